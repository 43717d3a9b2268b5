"""The document ceilings as clients meet them over HTTP: limits.* in router.yaml, a 400 with a
GraphQL error naming the limit, and nothing cached."""

from __future__ import annotations

import pytest

from router.config import ConfigError, load_settings

GQL = {"Accept": "application/graphql-response+json"}


def many_operations(count: int) -> str:
    return "".join(f"query Q{n} {{ __typename }} " for n in range(count))


async def refused(client, query: str) -> dict:
    resp = await client.post("/graphql", json={"query": query}, headers=GQL)
    body = await resp.json(content_type=None)
    assert resp.status == 400 and "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "DOCUMENT_LIMIT_EXCEEDED"
    return error


def documents(client):
    [stage] = [s for s in client.pipelines.current.stages if s.name == "document"]
    return stage.run.__closure__[0].cell_contents


async def test_a_two_megabyte_body_of_operations_is_refused_by_size(client):
    error = await refused(client, many_operations(66_000))
    assert error["extensions"]["limit"] == "max_document_bytes" and error["extensions"]["maximum"] == 100_000
    assert len(documents(client)) == 0
    resp = await client.post("/graphql", json={"query": "{ version }"}, headers=GQL)
    assert resp.status == 200


async def test_the_token_ceiling_comes_from_the_settings(make_client):
    client = await make_client(load_settings(limits={"max_document_bytes": 3_000_000, "max_document_tokens": 1000},
                                             operation_limits={"max_tokens": 1000}))
    error = await refused(client, many_operations(66_000))
    assert error["message"] == ("The document has more than 1000 tokens; the maximum is 1000 "
                                "(max_document_tokens).")


async def test_a_small_document_of_many_conflicting_aliases_is_refused(make_client):
    client = await make_client(load_settings(limits={"max_field_merges": 10}))
    error = await refused(client, "{ " + " ".join(f'x: hello(name: "{n}")' for n in range(20)) + " }")
    assert error["extensions"]["limit"] == "max_field_merges"


def test_a_tier_token_limit_above_the_document_ceiling_is_a_config_error():
    with pytest.raises(ConfigError, match="max_document_tokens"):
        load_settings(limits={"max_document_tokens": 1000},
                      operation_limits={"tiers": {"partner": {"max_tokens": 2000}}})


async def test_an_anonymous_callers_document_over_its_tier_maximum_is_not_parsed(make_client):
    client = await make_client(load_settings(operation_limits={"tiers": {"anonymous": {"max_tokens": 50}}}))
    resp = await client.post("/graphql", json={"query": many_operations(20)}, headers=GQL)
    [error] = (await resp.json(content_type=None))["errors"]
    assert resp.status == 400 and error["extensions"]["code"] == "OPERATION_LIMIT_EXCEEDED"
    assert "tier 'anonymous'" in error["message"] and len(documents(client)) == 0
