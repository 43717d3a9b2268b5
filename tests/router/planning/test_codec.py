"""Plans round-trip through JSON for the shared (Redis) plan cache: every node type, real plans,
and foreign input rejected."""

import orjson
import pytest
from graphql import parse

from router.planning import QueryPlanner
from router.planning.codec import PlanDecodeError, plan_from_dict, plan_to_dict
from router.planning.plan import (
    ConditionNode,
    DeferredNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    QueryPlan,
    RepresentationField,
    SequenceNode,
)
from router.schema_files import SUPERGRAPH
from router.supergraph import load_supergraph


def round_trip(plan: QueryPlan) -> QueryPlan:
    return plan_from_dict(orjson.loads(orjson.dumps(plan_to_dict(plan))))


ROOT = FetchNode("a", "{ t { __typename id } }", variable_usages=("v",), id=1)
ENTITY = FetchNode(
    "b", "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on T { x } } }",
    requires=(("T", (RepresentationField("id"), RepresentationField("__typename", value="I"),
                     RepresentationField("nested", (RepresentationField("k", source="k__r"),)))),),
    id=2, renames=True)


@pytest.mark.parametrize("node", [
    None,
    ROOT,
    FetchNode("a", "mutation { m }", operation_kind="mutation"),
    FlattenNode(("t", "@"), ENTITY),
    SequenceNode((ROOT, FlattenNode(("t",), ENTITY))),
    ParallelNode((ROOT, FetchNode("c", "{ y }"))),
    ConditionNode("flag", ROOT, None),
    ConditionNode("flag", None, ROOT),
    ConditionNode("flag", SequenceNode((ROOT,)), ParallelNode((ROOT,))),
], ids=lambda n: type(n).__name__)
def test_every_node_type_round_trips(node):
    plan = QueryPlan(node)
    assert round_trip(plan) == plan


def test_deferred_fragments_round_trip():
    plan = QueryPlan(ROOT, (DeferredNode(0, 17, "slow", ("t", "@"), None, "flag", FlattenNode(("t", "@"), ENTITY)),
                            DeferredNode(1, 40, None, ("t", "@"), 0, None, None)))
    assert round_trip(plan) == plan and round_trip(plan).pretty() == plan.pretty()


def test_plans_of_the_real_supergraph_round_trip():
    planner = QueryPlanner(load_supergraph(SUPERGRAPH.read_text()))
    for query in [
        "{ products(first: 2) { edges { node { name shippingEstimate { amount } category { name } } } } }",
        "query($skip: Boolean!) { me @skip(if: $skip) { name orders { edges { node { items { product { name } } } } } } }",
        'mutation { placeOrder(items: [{productId: "1", quantity: 1}]) { id items { product { name } } } }',
        "{ products(first: 2) { edges { node { name ... @defer(label: \"s\") { shippingEstimate { amount } } } } } }",
    ]:
        plan = planner.plan(parse(query))
        assert round_trip(plan) == plan and round_trip(plan).pretty() == plan.pretty()


@pytest.mark.parametrize("data", [
    None, [], {"format": 99, "node": None}, {"format": 1, "node": None, "deferred": []},
    {"format": 2, "node": {"kind": "Nope"}, "deferred": []},
    {"format": 2, "node": {"kind": "Fetch", "service": 3, "operation": "{ a }"}, "deferred": []},
    {"format": 2, "node": {"kind": "Flatten", "path": ["a"], "node": {"kind": "Sequence", "nodes": []}}, "deferred": []},
    {"format": 2, "node": {"kind": "Sequence", "nodes": "abc"}, "deferred": []},
    {"format": 2, "node": None},
    {"format": 2, "node": None, "deferred": [{"id": 0, "fragment": 1, "path": "a", "parent": None, "node": None}]},
    {"format": 2, "node": None, "deferred": [{"id": 0, "fragment": 1, "path": [], "parent": True, "node": None}]},
])
def test_foreign_entries_are_decode_errors(data):
    with pytest.raises(PlanDecodeError):
        plan_from_dict(data)
