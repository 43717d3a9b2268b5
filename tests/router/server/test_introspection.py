"""Introspection per environment: GRAFT_INTROSPECTION=false refuses __schema and __type."""

from __future__ import annotations

from router.config import load_settings

ACCEPT = {"Accept": "application/graphql-response+json"}


async def test_the_environment_turns_introspection_off(make_client, monkeypatch):
    monkeypatch.setenv("GRAFT_INTROSPECTION", "false")
    settings = load_settings()
    assert settings.introspection is False
    client = await make_client(settings)
    for query, field in (("{ __schema { queryType { name } } }", "__schema"),
                         ('{ __type(name: "Query") { name } }', "__type"),
                         ('{ version ... on Query { __type(name: "Query") { name } } }', "__type")):
        resp = await client.post("/graphql", json={"query": query}, headers=ACCEPT)
        body = await resp.json()
        assert resp.status == 400 and "data" not in body, body
        assert body["errors"][0]["message"] == (
            f"GraphQL introspection has been disabled, but the requested query contained the field '{field}'.")
    resp = await client.post("/graphql", json={"query": "{ __typename version }"}, headers=ACCEPT)
    assert resp.status == 200 and await resp.json() == {"data": {"__typename": "Query", "version": "v1"}}


async def test_introspection_is_on_unless_turned_off(make_client, monkeypatch):
    monkeypatch.delenv("GRAFT_INTROSPECTION", raising=False)
    client = await make_client(load_settings())
    resp = await client.post("/graphql", json={"query": '{ __type(name: "Query") { name } }'}, headers=ACCEPT)
    assert resp.status == 200 and await resp.json() == {"data": {"__type": {"name": "Query"}}}
