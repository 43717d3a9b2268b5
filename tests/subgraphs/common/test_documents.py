"""The subgraphs' document cache: a text is parsed once, only a clean validation is remembered,
per schema and rule set, and the cache stays within its size."""

import pytest
from graphql import GraphQLError, build_schema, specified_rules

from subgraphs.common.documents import DocumentCache

SCHEMA = build_schema("type Query { a: Int b: String }")
OTHER = build_schema("type Query { a: Int }")


def test_a_text_is_parsed_once_and_a_valid_document_validated_once(monkeypatch):
    cache = DocumentCache()
    document = cache.parse("{ a b }")
    assert cache.parse("{ a b }") is document
    assert cache.validate(SCHEMA, document) == []
    calls = []
    monkeypatch.setattr("subgraphs.common.documents.validate", lambda *args: calls.append(args) or [])
    assert cache.validate(SCHEMA, document) == [] and calls == []
    cache.validate(SCHEMA, document, specified_rules)  # another rule set is validated on its own
    cache.validate(OTHER, document)  # and another schema
    assert len(calls) == 2


def test_an_invalid_document_gets_its_errors_every_time():
    cache = DocumentCache()
    document = cache.parse("{ a b }")
    first = cache.validate(OTHER, document)
    assert first and "Cannot query field 'b'" in first[0].message
    assert [e.message for e in cache.validate(OTHER, document)] == [e.message for e in first]
    assert not cache.is_valid(document, OTHER, ())


def test_a_text_that_does_not_parse_is_not_kept():
    cache = DocumentCache()
    with pytest.raises(GraphQLError):
        cache.parse("{ a ")
    assert cache.get("{ a ") is None


def test_the_least_recently_used_text_leaves_first():
    cache = DocumentCache(size=2)
    first = cache.parse("{ a }")
    cache.parse("{ b }")
    assert cache.get("{ a }") is first  # now the most recent
    cache.parse("{ a b }")
    assert cache.get("{ b }") is None and cache.get("{ a }") is first
    # a document no longer held is never taken as valid, even if it was
    dropped = cache.parse("{ b }")
    cache.validate(SCHEMA, dropped)
    cache.parse("{ c: a }")
    cache.parse("{ d: a }")
    assert not cache.is_valid(dropped, SCHEMA, ())
