"""Request errors carry the codes Apollo's routers use, so clients and partners can branch on them
(issue 13 item 6)."""

from __future__ import annotations

import pytest
from graphql import build_schema

from router.pipeline.document import DocumentCache, coerce_variables
from router.pipeline.request import DocumentError

SCHEMA = build_schema("type Query { product(id: ID!): String  count(first: Int!): Int }")

REFUSED = {
    "syntax": ("{ product(id: ", None, "GRAPHQL_PARSE_FAILED"),
    "unknown field": ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
    "unknown operation name": ("query A { count(first: 1) }", "B", "GRAPHQL_UNKNOWN_OPERATION_NAME"),
    "several operations, no name": ("query A { count(first: 1) } query B { count(first: 2) }", None,
                                    "INVALID_GRAPHQL"),
}


@pytest.mark.parametrize(("query", "name", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_document_errors_carry_their_code(query: str, name: str | None, code: str) -> None:
    with pytest.raises(DocumentError) as raised:
        DocumentCache(SCHEMA).prepare(query, name)
    assert [e["extensions"]["code"] for e in raised.value.errors] == [code]


@pytest.mark.parametrize("variables", [{}, {"first": "many"}], ids=["missing", "wrong type"])
def test_variable_errors_are_bad_user_input(variables: dict) -> None:
    prepared = DocumentCache(SCHEMA).prepare("query($first: Int!) { count(first: $first) }", None)
    with pytest.raises(DocumentError) as raised:
        coerce_variables(SCHEMA, prepared, variables)
    assert [e["extensions"]["code"] for e in raised.value.errors] == ["BAD_USER_INPUT"]


def test_a_cached_refusal_keeps_its_code() -> None:
    cache = DocumentCache(SCHEMA)
    for _ in range(2):
        with pytest.raises(DocumentError) as raised:
            cache.prepare("{ nope }", None)
        assert raised.value.errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
