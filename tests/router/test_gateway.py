"""The gateway for one supergraph: subgraph URL overrides are applied in one place."""

from __future__ import annotations

import pytest

from router.config import load_settings
from router.gateway import Gateway
from tests.router.server.supergraphs import supergraph


async def test_settings_override_only_the_named_url():
    sdl = supergraph("http://old:1/graphql")
    gateway = Gateway.from_settings(sdl, load_settings(subgraphs={"tiny": {"url": "http://new:2/graphql"}}))
    default = Gateway.from_sdl(sdl)
    try:
        assert gateway.client.urls == {"tiny": "http://new:2/graphql"}
        assert default.client.urls == {"tiny": "http://old:1/graphql"}
        assert gateway.supergraph_sha == default.supergraph_sha  # the supergraph itself is untouched
    finally:
        await gateway.close()
        await default.close()


def test_an_override_of_an_unknown_subgraph_is_an_error():
    with pytest.raises(ValueError, match="does not have: nope"):
        Gateway.from_sdl(supergraph("http://old:1/graphql"), urls={"nope": "http://x/graphql"})


async def test_the_stage_list_ends_with_the_core_stages():
    gateway = Gateway.from_sdl(supergraph("http://old:1/graphql"))
    try:
        assert [stage.name for stage in gateway.stages()] == ["plan", "execute", "shape"]
    finally:
        await gateway.close()


INTROSPECTION_BESIDE_DATA = {
    "before data": '{ __schema { queryType { name } } hello(name: "a") }',
    "after data": '{ hello(name: "a") __type(name: "Query") { name } }',
    "inline fragment": '{ ... on Query { __schema { queryType { name } } } hello(name: "a") }',
    "bare inline fragment": '{ ... { __type(name: "Query") { name } } }',
    "named fragment": 'query { ...F hello(name: "a") } fragment F on Query { __schema { queryType { name } } }',
}


@pytest.mark.parametrize("query", INTROSPECTION_BESIDE_DATA.values(), ids=INTROSPECTION_BESIDE_DATA.keys())
async def test_introspection_beside_data_or_in_root_fragments_is_answered(tiny, query):
    gateway = Gateway.from_sdl(supergraph(tiny.graphql_url))
    try:
        result = await gateway.execute_query(query)
    finally:
        await gateway.close()
    assert "errors" not in result, result
    data = result["data"]
    assert data.get("__schema", {"queryType": {"name": "Query"}}) == {"queryType": {"name": "Query"}}
    assert data.get("__type", {"name": "Query"}) == {"name": "Query"}
    assert "__schema" in data or "__type" in data
    assert data.get("hello", "hello a") == "hello a"
