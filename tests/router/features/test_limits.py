"""Operation limits: measured after validation, refused before planning, per caller tier."""

from __future__ import annotations

import re

import pytest
from graphql import FragmentDefinitionNode, get_operation_ast, parse

from auth.tokens import Claims
from router.config import ConfigError, load_settings
from router.pipeline import Caller
from router.features.limits import (
    COST_CODE,
    LIMIT_CODE,
    OperationLimitError,
    check_operation_limits,
    count_tokens,
    measure,
    refusals,
)
from router.pipeline.document import prepare_operation
from tests.router.features.shop_gateway import ShopGateway

ACCEPT = {"Accept": "application/graphql-response+json"}
GATEWAY = ShopGateway()


def measured(query: str, variables: dict | None = None):
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return measure(GATEWAY.api_schema, GATEWAY.supergraph.costs, query, get_operation_ast(document), fragments,
                   variables)


def test_depth_counts_fields_through_fragments():
    assert measured("{ product(id: 1) { id } }").depth == 2
    assert measured("{ product(id: 1) { ...R } } fragment R on Product { related { related { name } } }").depth == 4
    assert measured("{ product(id: 1) { ... on Product { related { id } } } }").depth == 3
    assert measured("{ __typename }").depth == 1


def test_introspection_is_not_deep_but_its_tokens_count():
    from graphql import get_introspection_query

    query = get_introspection_query(descriptions=True)
    m = measured(query)
    assert (m.depth, m.cost, m.tokens) == (1, 0, count_tokens(query)) and m.tokens > 150
    assert measured('{ product(id: 1) { id } __type(name: "Product") { fields { name } } }').depth == 2


def test_aliases_and_root_fields_follow_fragments():
    m = measured("{ a: product(id: 1) { n: name } ...Q } fragment Q on Query { b: product(id: 2) { id } }")
    assert (m.aliases, m.root_fields) == (3, 2)


def test_tokens_are_lexer_tokens_without_comments():
    assert count_tokens("{ product(id: 1) { id } }") == 11
    assert count_tokens("# a comment\n{ a }") == 3


def test_cost_comes_from_the_supergraph_directives():
    # connection 1 + 3 edges × (edge 1 + node 1 + forecast 100)
    assert measured("{ products(first: 3) { edges { node { forecast } } } }").cost == 1 + 3 * 102
    assert measured("query($n: Int!) { products(first: $n) { edges { node { id } } } }", {"n": 50}).cost == 1 + 50 * 2


def test_a_fragment_cycle_is_measured_without_looping():
    m = measured("{ product(id: 1) { ...A } } fragment A on Product { related { ...B } } "
                 "fragment B on Product { related { ...A } }")
    assert m.depth == 3  # product → related (in A) → related (in B); A is not followed again


def test_refusals_name_the_limit_value_and_maximum():
    settings = load_settings(operation_limits={"max_depth": 3, "max_cost": 10})
    errors = refusals(measured("{ product(id: 1) { related { related { forecast } } } }"),
                      settings.operation_limits.for_tier("anonymous"), "anonymous")
    assert [e.extensions["code"] for e in errors] == [LIMIT_CODE, COST_CODE]
    depth, cost = errors
    assert depth.message == "Operation depth 4 exceeds the maximum of 3 (max_depth, tier 'anonymous')."
    assert depth.extensions == {"code": LIMIT_CODE, "limit": "max_depth", "measured": 4, "maximum": 3}
    assert cost.extensions["measured"] == 1 + 2 * (1 + 2 * (1 + 100)) and cost.extensions["maximum"] == 10


def _partner(tier: str) -> Caller:
    claims = Claims("acme-partner", "client", frozenset(), "acme-partner", "j", 0, 0, {"tier": tier})
    return Caller(claims, "127.0.0.1")


def test_tiers_override_the_defaults_one_limit_at_a_time():
    settings = load_settings(operation_limits={"max_cost": 40, "tiers": {
        "partner-standard": {"max_cost": 1000}, "anonymous": {"max_depth": 2}}}).operation_limits
    prepared = prepare_operation(GATEWAY.api_schema, "{ products(first: 20) { edges { node { id } } } }", None)
    costs = GATEWAY.supergraph.costs
    partner = _partner("partner-standard")
    assert partner.tier == "partner-standard"
    assert check_operation_limits(settings, GATEWAY.api_schema, costs, prepared, partner.tier).cost == 41
    for tier in ("shopper", "anonymous"):
        with pytest.raises(OperationLimitError) as raised:
            check_operation_limits(settings, GATEWAY.api_schema, costs, prepared, tier)
        limits = [e.extensions["limit"] for e in raised.value.graphql_errors]
        assert limits == (["max_cost"] if tier == "shopper" else ["max_depth", "max_cost"])


async def test_disabled_limits_are_no_stage(make_client):
    client = await make_client(load_settings(operation_limits={"enabled": False, "max_root_fields": 1}))
    assert "limits" not in [stage.name for stage in client.pipelines.current.stages]
    resp = await client.post("/graphql", json={"query": "{ a: version b: version }"}, headers=ACCEPT)
    assert resp.status == 200 and (await resp.json())["data"] == {"a": "v1", "b": "v1"}


def test_bad_limit_settings_are_refused_at_start():
    with pytest.raises(ConfigError, match="operation_limits.max_depth"):
        load_settings(operation_limits={"max_depth": 0})
    with pytest.raises(ConfigError, match="operation_limits.tiers.gold.max_cost"):
        load_settings(operation_limits={"tiers": {"gold": {"max_cost": -1}}})
    with pytest.raises(ConfigError, match="operation_limits.maximum_depth"):
        load_settings(operation_limits={"maximum_depth": 3})


def _refused_count(text: str, limit: str) -> float:
    found = re.search(rf'^graft_operation_limited_requests_total\{{limit="{limit}"\}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


async def test_over_a_limit_is_a_400_before_anything_runs(make_client):
    settings = load_settings(operation_limits={"tiers": {"anonymous": {"max_depth": 4, "max_cost": 400}}})
    gateway = ShopGateway()
    client = await make_client(settings, gateway)
    before = await (await client.get("/metrics")).text()
    deep = "query Deep { product(id: 1) { related { related { related { name } } } } }"
    resp = await client.post("/graphql", json={"query": deep}, headers=ACCEPT)
    body = await resp.json()
    assert resp.status == 400 and "data" not in body
    assert body["errors"][0]["extensions"] == {"code": LIMIT_CODE, "limit": "max_depth", "measured": 5, "maximum": 4}
    resp = await client.post("/graphql", json={"query": "query Costly($n: Int!) { products(first: $n) "
                                                        "{ edges { node { forecast } } } }", "variables": {"n": 4}},
                             headers=ACCEPT)
    body = await resp.json()
    assert resp.status == 400 and body["errors"][0]["extensions"]["code"] == COST_CODE
    assert "estimated cost 409 exceeds the maximum of 400" in body["errors"][0]["message"]
    assert gateway.executed == []  # nothing planned, nothing fetched
    after = await (await client.get("/metrics")).text()
    assert _refused_count(after, "max_depth") == _refused_count(before, "max_depth") + 1
    assert _refused_count(after, "max_cost") == _refused_count(before, "max_cost") + 1


async def test_the_same_operation_is_measured_again_for_other_variables(make_client):
    client = await make_client(load_settings(operation_limits={"max_cost": 400}), ShopGateway())
    query = "query Costly($n: Int!) { products(first: $n) { edges { node { forecast } } } }"
    statuses = []
    for n in (1, 4, 1):  # 1 is within the limit, 4 is over it: cached measurements must not mix them
        resp = await client.post("/graphql", json={"query": query, "variables": {"n": n}}, headers=ACCEPT)
        statuses.append(resp.status)
    assert statuses == [200, 400, 200]


async def test_within_limits_runs_and_json_clients_get_200(make_client):
    settings = load_settings(operation_limits={"max_cost": 100})
    gateway = ShopGateway()
    client = await make_client(settings, gateway)
    resp = await client.post("/graphql", json={"query": "{ products(first: 3) { edges { node { name } } } }"},
                             headers=ACCEPT)
    body = await resp.json()
    assert resp.status == 200 and len(body["data"]["products"]["edges"]) == 3
    resp = await client.post("/graphql", json={"query": "{ products(first: 300) { edges { node { name } } } }"},
                             headers={"Accept": "application/json"})
    body = await resp.json()
    assert resp.status == 200 and body["errors"][0]["extensions"]["code"] == COST_CODE and "data" not in body
    assert len(gateway.executed) == 1


async def test_aliases_root_fields_and_tokens_over_http(make_client):
    settings = load_settings(operation_limits={"max_aliases": 1, "max_root_fields": 2, "max_tokens": 25})
    client = await make_client(settings, ShopGateway())
    cases = {
        "{ a: product(id: 1) { id } b: product(id: 2) { id } }": ("max_aliases", 2),
        "{ product(id: 1) { id } x: product(id: 2) { id } __typename }": ("max_root_fields", 3),
        "{ product(id: 1) { id name related { id name related { id name related { id } } } } }": ("max_tokens", 26),
    }
    for query, (limit, value) in cases.items():
        resp = await client.post("/graphql", json={"query": query}, headers=ACCEPT)
        errors = (await resp.json())["errors"]
        assert resp.status == 400 and [e["extensions"]["limit"] for e in errors] == [limit], errors
        # tokens are refused by the document stage's lexer pass, which stops just past the maximum
        assert errors[0]["extensions"].get("measured") == (None if limit == "max_tokens" else value)

