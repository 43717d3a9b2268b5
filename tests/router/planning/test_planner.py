"""Each planner feature on its own small supergraph: the plan, and the response from real subgraphs.

Each plan is compared whole with its snapshot, a plain-text file in __snapshots__/test_planner/
(the case and operation as comments, then the printed plan). After a deliberate planner change,
refresh them with `.venv/bin/python -m pytest tests/router/planning --snapshot-update` and review
the diff like code."""

import orjson
import pytest

from router.gateway import Gateway
from router.planning.planner import PlanningError
from tests.router.planning.conftest import plan_of, planned, supergraph_sdl


async def test_entity_jump_through_a_key(run, plan_snapshot):
    query = "{ topProducts { name reviews { body } } }"
    assert planned("entity_jump", query) == plan_snapshot
    assert await run("entity_jump", query) == {"data": {"topProducts": [
        {"name": "Table", "reviews": [{"body": "Sturdy"}]}, {"name": "Chair", "reviews": []}]}}


async def test_jump_uses_the_key_the_other_subgraph_resolves(run, plan_snapshot):
    query = "{ users { name karma } }"
    assert planned("two_keys", query) == plan_snapshot  # karma's representation carries login, not id
    assert await run("two_keys", query) == {"data": {"users": [{"name": "Ada", "karma": 42}]}}


async def test_requires_fields_travel_in_the_representation(run, plan_snapshot):
    query = "{ products { upc shippingEstimate } }"
    assert planned("requires", query) == plan_snapshot  # the representation carries weight
    assert await run("requires", query) == {"data": {"products": [
        {"upc": "1", "shippingEstimate": 20}, {"upc": "2", "shippingEstimate": 8}]}}


async def test_provides_makes_a_field_local_on_that_path(run, plan_snapshot):
    provided = "{ reviews { author { name } } }"
    assert planned("provides", provided) == plan_snapshot
    assert await run("provides", provided) == {"data": {"reviews": [{"author": {"name": "Ada (cached)"}}]}}
    beyond = "{ reviews { author { name email } } }"
    assert planned("provides", beyond) == plan_snapshot(name="beyond")  # email: a jump at reviews.@.author
    assert await run("provides", beyond) == {"data": {"reviews": [
        {"author": {"name": "Ada (cached)", "email": "ada@example.com"}}]}}


async def test_abstract_types_split_by_runtime_type(run, plan_snapshot):
    query = "{ media { __typename title ... on Book { pages } } }"
    assert planned("abstract", query) == plan_snapshot  # Book and Film fragments; pages from details
    assert await run("abstract", query) == {"data": {"media": [
        {"__typename": "Book", "title": "Dune", "pages": 412}, {"__typename": "Film", "title": "Alien"}]}}


async def test_interface_object_fields_reach_concrete_objects(run, plan_snapshot):
    query = "{ media { __typename title stars } }"
    assert planned("interface_object", query) == plan_snapshot  # a Book sent to ratings as a Media
    assert await run("interface_object", query) == {"data": {"media": [
        {"__typename": "Book", "title": "Dune", "stars": 5}]}}


async def test_override_sends_the_field_to_its_new_subgraph(run, plan_snapshot):
    query = "{ products { price } }"
    assert planned("override", query) == plan_snapshot  # price from "new"
    assert await run("override", query) == {"data": {"products": [{"price": 100}]}}


async def test_mutations_run_in_order(run, plan_snapshot):
    query = "mutation { add(by: 2) double again: add(by: 3) }"
    assert planned("mutations", query) == plan_snapshot
    first = await run("mutations", query)
    assert first["data"]["add"] + 3 == first["data"]["again"]
    assert list(first["data"]) == ["add", "double", "again"]


async def test_mutation_root_fields_complete_in_order_with_their_entity_fetches(run, plan_snapshot):
    """Issue 13 item 1: the entity fetch below `o` must run before `s` starts (spec: root mutation
    fields execute serially, each with all its selections); `p` and `s` are not merged across `o`."""
    query = """mutation {
      p: createProduct(id: "m1", stock: 3) { id stock }
      o: placeOrder(productId: "m1", quantity: 2) { quantity product { id stock } }
      s: adjustStock(id: "m1", delta: 1) { stock }
    }"""
    assert planned("mutation_entities", query) == plan_snapshot
    assert await run("mutation_entities", query) == {"data": {
        "p": {"id": "m1", "stock": 3},
        "o": {"quantity": 2, "product": {"id": "m1", "stock": 3}},
        "s": {"stock": 4},
    }}


async def test_consecutive_mutation_fields_of_one_subgraph_share_a_fetch(run, plan_snapshot):
    """As Apollo's planner does: one fetch for both (the subgraph runs them in order), then the
    entity fetches of both."""
    query = """mutation {
      o: placeOrder(productId: "m2", quantity: 1) { product { stock } }
      p: createProduct(id: "m2", stock: 5) { stock }
      s: adjustStock(id: "m2", delta: 2) { stock }
    }"""
    assert planned("mutation_entities", query) == plan_snapshot


async def test_shared_root_field_is_split_across_subgraphs(run, plan_snapshot):
    query = "{ product { name price } }"
    assert planned("shared_root", query) == plan_snapshot  # both subgraphs in parallel, each its part
    assert await run("shared_root", query) == {"data": {"product": {"name": "Table", "price": 30}}}


async def test_entities_with_null_keys_are_not_fetched(run, plan_snapshot):
    query = "{ items { label product { inStock } } }"
    assert planned("null_keys", query) == plan_snapshot
    assert await run("null_keys", query) == {"data": {"items": [
        {"label": "a", "product": {"inStock": True}}, {"label": "b", "product": {"inStock": None}}]}}


async def test_aliases_typename_and_same_field_with_other_arguments(run, plan_snapshot):
    query = "{ first: topProducts { label: name kind: __typename } again: topProducts { reviews { text: body } } }"
    assert planned("entity_jump", query) == plan_snapshot
    assert await run("entity_jump", query) == {"data": {
        "first": [{"label": "Table", "kind": "Product"}, {"label": "Chair", "kind": "Product"}],
        "again": [{"reviews": [{"text": "Sturdy"}]}, {"reviews": []}]}}


async def test_skip_and_include_on_variables(run, plan_snapshot):
    query = "query($withReviews: Boolean!) { topProducts { name reviews @include(if: $withReviews) { body } } }"
    assert planned("entity_jump", query) == plan_snapshot  # the reviews fetch under Include
    skipped = "query($s: Boolean = false) { topProducts @skip(if: $s) { name } }"
    assert planned("entity_jump", skipped) == plan_snapshot(name="skipped")  # the root fetch under Skip
    assert await run("entity_jump", query, {"withReviews": False}) == {"data": {"topProducts": [
        {"name": "Table"}, {"name": "Chair"}]}}
    with_reviews = await run("entity_jump", query, {"withReviews": True})
    assert with_reviews["data"]["topProducts"][0] == {"name": "Table", "reviews": [{"body": "Sturdy"}]}
    defaulted = "query($s: Boolean = false) { topProducts @skip(if: $s) { name } }"
    assert await run("entity_jump", defaulted) == {"data": {"topProducts": [{"name": "Table"}, {"name": "Chair"}]}}


async def test_fragments_spread_on_abstract_types(run, plan_snapshot):
    query = """{ media { ...Titles } }
      fragment Titles on Media { title ... on Book { pages } }"""
    assert planned("abstract", query) == plan_snapshot
    assert await run("abstract", query) == {"data": {"media": [{"title": "Dune", "pages": 412}, {"title": "Alien"}]}}


async def test_field_typed_differently_in_a_subgraph_travels_under_its_own_key(run, plan_snapshot):
    query = "{ accounts { ... on User { id name } ... on Admin { id name } } }"
    assert planned("type_mismatch", query) == plan_snapshot  # User.id is ID! in accounts, ID in the supergraph
    assert await run("type_mismatch", query) == {"data": {"accounts": [
        {"id": "u1", "name": "Ada"}, {"id": "a1", "name": "Root"}]}}


async def test_unreachable_subgraph_gives_partial_data_and_errors(run):
    query = "{ items { label product { inStock } } }"
    result = await run("null_keys", query, urls={"stock": "http://127.0.0.1:9/graphql"})
    assert result["data"] == {"items": [{"label": "a", "product": {"inStock": None}},
                                        {"label": "b", "product": {"inStock": None}}]}
    assert result["errors"][0]["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "stock"}


async def test_null_propagates_to_the_nearest_nullable_parent(run):
    # topProducts: [Product!]! and reviews: [Review!]! are non-null all the way to the root
    query = "{ topProducts { name reviews { body } } }"
    result = await run("entity_jump", query, urls={"reviews": "http://127.0.0.1:9/graphql"})
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert {"path": ["topProducts", 0, "reviews"],
            "message": "Cannot return null for non-nullable field Product.reviews."} in result["errors"]


async def test_sibling_fragments_with_different_types_for_one_key_are_aliased(run, plan_snapshot):
    query = "{ accounts { ... on User { id name karma } ... on Admin { id name } } }"
    # ID! on User, ID on Admin: the subgraph would reject both as `id`, so one is id__graft_as2
    assert planned("type_mismatch", query) == plan_snapshot
    assert await run("type_mismatch", query) == {"data": {"accounts": [
        {"id": "u1", "name": "Ada", "karma": 7}, {"id": "a1", "name": "Root"}]}}


async def test_key_less_child_is_gathered_through_the_parent_entity(run, plan_snapshot):
    query = "{ product { id name category { id name details } } }"
    # category's details from a, its id from b, then its name from c at product.category
    assert planned("key_less_parent", query) == plan_snapshot
    assert await run("key_less_parent", query) == {"data": {"product": {
        "id": "1", "name": "Table", "category": {"id": "3", "name": "Furniture", "details": "Oak"}}}}


async def test_interface_object_own_fields_need_no_jump(run, plan_snapshot):
    query = "{ b { id field } }"
    assert planned("interface_object_fields", query) == plan_snapshot
    assert await run("interface_object_fields", query) == {"data": {"b": {"id": "n1", "field": "foo"}}}


async def test_field_no_key_can_reach_is_a_request_error(run):
    with pytest.raises(PlanningError, match="Node.field"):
        plan_of("interface_object_fields", "{ node { field } }")
    response = await run("interface_object_fields", "{ node { field } }")
    assert response.get("data") is None and "Node.field" in response["errors"][0]["message"]


async def test_partial_union_below_a_shareable_path_keeps_only_shared_members(run, plan_snapshot):
    query = "{ rootA { wrapper { actions { __typename ... on Common { label } ... on OnlyA { a } } } } }"
    # b could resolve the path too: Common is selected, OnlyA is not
    assert planned("partial_union", query) == plan_snapshot
    assert await run("partial_union", query) == {"data": {"rootA": {"wrapper": {"actions": [
        {"__typename": "Common", "label": "common"}, {"__typename": "OnlyA", "a": None}]}}}}


async def test_partial_union_after_a_hop_uses_the_target_members(run, plan_snapshot):
    query = "{ rootA { bWrapper { actions { __typename ... on OnlyB { b } } } } }"
    assert planned("partial_union", query) == plan_snapshot  # OnlyB selected in b
    assert await run("partial_union", query) == {"data": {"rootA": {"bWrapper": {"actions": [
        {"__typename": "Common"}, {"__typename": "OnlyB", "b": "only b"}]}}}}


async def test_entity_fetches_to_one_subgraph_at_one_point_are_one_request(fixture_server, plan_snapshot):
    """Different selections: aliased `_entities` fields; the same selection at several paths: one
    `_entities` field whose representations come from all of them, each sent once."""
    query = ("{ users { name reviews { body product { name } } } "
             "topProducts { name reviews { body author { name } product { name } } } }")
    assert planned("batch", query) == plan_snapshot
    gateway, sent = recording_gateway("batch", fixture_server.url)
    try:
        result = await gateway.execute_query(query)
    finally:
        await gateway.close()
    table, chair = {"name": "Table"}, {"name": "Chair"}
    assert result == {"data": {
        "users": [{"name": "Ada", "reviews": [{"body": "Sturdy", "product": table},
                                              {"body": "Comfy", "product": chair}]},
                  {"name": "Bob", "reviews": [{"body": "Wobbly", "product": table}]}],
        "topProducts": [
            {"name": "Table", "reviews": [{"body": "Sturdy", "author": {"name": "Ada"}, "product": table},
                                          {"body": "Wobbly", "author": {"name": "Bob"}, "product": table}]},
            {"name": "Chair", "reviews": [{"body": "Comfy", "author": {"name": "Ada"}, "product": chair}]}]}}
    assert [service for service, _ in sent].count("reviews") == 1
    assert len(sent) == 5  # users, topProducts, reviews, products, accounts
    products = [variables for service, variables in sent if service == "products" and variables]
    assert products == [{"representations": [{"__typename": "Product", "upc": "1"},
                                             {"__typename": "Product", "upc": "2"}]}]


async def test_errors_in_a_batch_get_each_entry_s_client_path(run, plan_snapshot):
    query = "{ users { reviews { rating } } topProducts { reviews { rating } } }"
    assert planned("batch", query) == plan_snapshot
    result = await run("batch", query)
    assert result["data"] == {
        "users": [{"reviews": [{"rating": 5}, {"rating": None}]}, {"reviews": [{"rating": 2}]}],
        "topProducts": [{"reviews": [{"rating": 5}, {"rating": 2}]}, {"reviews": [{"rating": None}]}]}
    assert sorted(e["path"] for e in result["errors"]) == [
        ["topProducts", 1, "reviews", 0, "rating"], ["users", 0, "reviews", 1, "rating"]]
    assert all(e["message"] == "rating unavailable" and e["extensions"]["serviceName"] == "reviews"
               for e in result["errors"])


def recording_gateway(case: str, base_url: str) -> tuple[Gateway, list[tuple[str, dict]]]:
    """A gateway over the real fixture subgraphs that notes each subgraph request it sends."""
    gateway = Gateway.from_sdl(supergraph_sdl(case, base_url))
    sent: list[tuple[str, dict]] = []
    post = gateway.client._post

    async def recorded(service: str, body: bytes, headers: dict | None,
                       deadline: float | None = None) -> tuple[int, bytes, str | None]:
        sent.append((service, orjson.loads(body)["variables"]))
        return await post(service, body, headers, deadline)

    gateway.client._post = recorded  # type: ignore[method-assign]
    return gateway, sent
