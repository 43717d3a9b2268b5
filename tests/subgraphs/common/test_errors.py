"""Issue 12, findings 4 and 9: ids are checked the same way everywhere, and an unexpected
exception reaches no client with its text, in the strawberry and the ariadne view alike."""

from __future__ import annotations

import json
import logging

import pytest
from graphql import GraphQLError

from subgraphs.common.errors import parse_id
from tests.support.apps import ADMIN, bearer, subgraph_client

LEAKY = "(sqlite3.OperationalError) boom [SQL: SELECT secret FROM users] in /srv/graft/.data at http://10.0.0.5:5432"


@pytest.mark.parametrize("value", ["²", "١٢", " 7", "7 ", "1_0", "+3", "0", "-1", "007", "2147483648",
                                   "99999999999999999999", "", "x", None, 1.5, True])
def test_parse_id_refuses_anything_but_a_positive_int_in_ascii_digits(value):
    with pytest.raises(GraphQLError) as caught:
        parse_id(value, "Product")
    assert caught.value.extensions == {"code": "BAD_USER_INPUT"}
    assert "is not a valid id" in caught.value.message


def test_parse_id_takes_our_ids():
    assert parse_id("7", "Product") == 7 and parse_id(2147483647, "Product") == 2147483647


def test_parse_id_does_not_echo_a_huge_value():
    with pytest.raises(GraphQLError) as caught:
        parse_id("9" * 50_000, "User")
    assert len(caught.value.message) < 200


# (subgraph, the loader method that will fail, a query reaching it, token scopes)
FAILING = [
    ("catalog", "subgraphs.catalog.loaders.Loaders._sql_products_by_id", '{ product(id: "1") { name } }', None),
    ("orders", "subgraphs.orders.loaders.Loaders._orders", '{ order(id: "10") { id } }', ADMIN),
    ("users", "subgraphs.users.loaders.Loaders._users", '{ user(id: "1") { name } }', None),
    ("payments", "subgraphs.payments.loaders.Loaders._payments", '{ payment(id: "1") { id } }', ADMIN),
]


@pytest.mark.parametrize(("name", "target", "query", "granted"), FAILING, ids=[f[0] for f in FAILING])
async def test_an_unexpected_exception_is_a_generic_error_with_a_logged_request_id(
        name, target, query, granted, monkeypatch, caplog):
    async def fail(*_: object) -> None:
        raise RuntimeError(LEAKY)

    monkeypatch.setattr(target, fail)
    caplog.set_level(logging.ERROR)
    async with subgraph_client(name) as client:
        headers = bearer(2, granted) if granted else {}
        resp = await client.client.post("/graphql", json={"query": query}, headers=headers)
        text = await resp.text()
    for secret in ("SELECT", "sqlite3", "/srv/graft", "http://", "boom"):
        assert secret not in text, text
    error = json.loads(text)["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and error["path"]
    request_id = error["extensions"]["requestId"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and "SELECT secret" in str(logged[0].exc_info[1])


async def test_the_request_id_is_the_callers_when_it_looks_like_one(monkeypatch):
    async def fail(*_: object) -> None:
        raise RuntimeError(LEAKY)

    monkeypatch.setattr("subgraphs.users.loaders.Loaders._users", fail)
    async with subgraph_client("users") as client:
        for given, same in (("req-123abc", True), ("bad id\n" + "x" * 100, False)):
            resp = await client.client.post("/graphql", json={"query": '{ user(id: "1") { name } }'},
                                            headers={"X-Request-Id": given.replace("\n", " ")})
            error = (await resp.json())["errors"][0]
            assert (error["extensions"]["requestId"] == given) is same


async def test_expected_errors_keep_their_message_and_code():
    async with subgraph_client("catalog") as catalog:
        body = await catalog.execute('{ products(first: 0) { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first must be between 1 and 100" in body["errors"][0]["message"]


@pytest.mark.parametrize("name", ["orders", "payments"])  # strawberry and ariadne
async def test_an_expected_error_is_one_info_line_and_an_unexpected_one_error_once(name, monkeypatch, caplog):
    query = '{ order(id: "x") { id } }' if name == "orders" else '{ payment(id: "x") { id } }'
    caplog.set_level(logging.DEBUG)
    async with subgraph_client(name) as client:
        resp = await client.client.post("/graphql", json={"query": query}, headers={**bearer(2, ADMIN),
                                                                                    "X-Request-Id": "req-expected"})
        assert (await resp.json())["errors"]
    mine = [r for r in caplog.records if "req-expected" in r.getMessage()]
    assert [r.levelno for r in mine] == [logging.INFO] and mine[0].exc_info is None, mine
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    async def fail(*_: object) -> None:
        raise RuntimeError(LEAKY)

    target = FAILING[1][1] if name == "orders" else FAILING[3][1]
    monkeypatch.setattr(target, fail)
    caplog.clear()
    query = FAILING[1][2] if name == "orders" else FAILING[3][2]
    async with subgraph_client(name) as client:
        await client.client.post("/graphql", json={"query": query}, headers={**bearer(2, ADMIN),
                                                                             "X-Request-Id": "req-bug"})
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and errors[0].levelno == logging.ERROR and "req-bug" in errors[0].getMessage()
    assert errors[0].exc_info is not None
