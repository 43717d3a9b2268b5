"""@defer: each deferred fragment planned as fetches of its own (snapshots), and the payloads a
multipart client gets from the real fixture subgraphs: the primary part without the deferred
fields, then one part per fragment, with one `incremental` entry per object it applies to
(per list item)."""

import pytest

from router.gateway import Gateway
from tests.router.planning.conftest import planned, supergraph_sdl


@pytest.fixture
async def payloads(fixture_server):
    """payloads(case, query, variables, incremental=True) → every payload, in order."""
    gateways: list[Gateway] = []

    async def execute(case: str, query: str, variables: dict | None = None, incremental: bool = True) -> list[dict]:
        gateway = Gateway.from_sdl(supergraph_sdl(case, fixture_server.url))
        gateways.append(gateway)
        return await gateway.execute_payloads(query, variables, incremental=incremental)

    yield execute
    for gateway in gateways:
        await gateway.close()


async def test_deferred_entity_jump_is_its_own_fetch_after_the_primary(payloads, plan_snapshot):
    query = '{ topProducts { name ... @defer(label: "reviews") { reviews { body } } } }'
    assert planned("entity_jump", query) == plan_snapshot  # the primary fetch carries the key only
    assert await payloads("entity_jump", query) == [
        {"data": {"topProducts": [{"name": "Table"}, {"name": "Chair"}]}, "hasNext": True},
        {"incremental": [
            {"data": {"reviews": [{"body": "Sturdy"}]}, "path": ["topProducts", 0], "label": "reviews"},
            {"data": {"reviews": []}, "path": ["topProducts", 1], "label": "reviews"}], "hasNext": False}]


async def test_deferred_local_field_on_a_fragment_spread_comes_back_through_the_key(payloads, plan_snapshot):
    query = "{ topProducts { upc ...Named @defer } } fragment Named on Product { name }"
    assert planned("entity_jump", query) == plan_snapshot  # products again, by upc, in the deferred part
    assert await payloads("entity_jump", query) == [
        {"data": {"topProducts": [{"upc": "1"}, {"upc": "2"}]}, "hasNext": True},
        {"incremental": [{"data": {"name": "Table"}, "path": ["topProducts", 0]},
                         {"data": {"name": "Chair"}, "path": ["topProducts", 1]}], "hasNext": False}]


async def test_defer_if_false_is_planned_and_answered_as_without_it(payloads, plan_snapshot):
    query = "{ topProducts { name ... @defer(if: false) { reviews { body } } } }"
    assert planned("entity_jump", query) == plan_snapshot  # no Defer node
    assert await payloads("entity_jump", query) == [{"data": {"topProducts": [
        {"name": "Table", "reviews": [{"body": "Sturdy"}]}, {"name": "Chair", "reviews": []}]}}]


async def test_defer_if_a_variable_defers_only_when_it_is_true(payloads, plan_snapshot):
    query = "query($d: Boolean!) { topProducts { name ... @defer(if: $d) { reviews { body } } } }"
    assert planned("entity_jump", query) == plan_snapshot
    whole = {"data": {"topProducts": [{"name": "Table", "reviews": [{"body": "Sturdy"}]},
                                      {"name": "Chair", "reviews": []}]}}
    assert await payloads("entity_jump", query, {"d": False}) == [whole]
    deferred = await payloads("entity_jump", query, {"d": True})
    assert deferred[0] == {"data": {"topProducts": [{"name": "Table"}, {"name": "Chair"}]}, "hasNext": True}
    assert [e["data"] for e in deferred[1]["incremental"]] == [{"reviews": [{"body": "Sturdy"}]}, {"reviews": []}]


async def test_clients_without_multipart_get_the_whole_response_at_once(payloads):
    query = '{ topProducts { name ... @defer(label: "reviews") { reviews { body } } } }'
    plain = await payloads("entity_jump", "{ topProducts { name reviews { body } } }", incremental=False)
    assert await payloads("entity_jump", query, incremental=False) == plain


async def test_nested_defers_arrive_outer_first(payloads, plan_snapshot):
    query = """{ topProducts { upc ... @defer(label: "outer") { name ... @defer(label: "inner") {
                 reviews { body } } } } }"""
    assert planned("entity_jump", query) == plan_snapshot  # inner after: #0
    got = await payloads("entity_jump", query)
    assert got[0] == {"data": {"topProducts": [{"upc": "1"}, {"upc": "2"}]}, "hasNext": True}
    assert [(e["label"], e["path"], e["data"]) for p in got[1:] for e in p["incremental"]] == [
        ("outer", ["topProducts", 0], {"name": "Table"}), ("outer", ["topProducts", 1], {"name": "Chair"}),
        ("inner", ["topProducts", 0], {"reviews": [{"body": "Sturdy"}]}),
        ("inner", ["topProducts", 1], {"reviews": []})]
    assert [p["hasNext"] for p in got] == [True, True, False]


async def test_deferred_root_fields_get_root_fetches_of_their_own(payloads, plan_snapshot):
    query = "{ users { name } ... @defer { topProducts { name } } }"
    assert planned("batch", query) == plan_snapshot
    assert await payloads("batch", query) == [
        {"data": {"users": [{"name": "Ada"}, {"name": "Bob"}]}, "hasNext": True},
        {"incremental": [{"data": {"topProducts": [{"name": "Table"}, {"name": "Chair"}]}, "path": []}],
         "hasNext": False}]


async def test_subgraph_errors_inside_a_deferred_part_are_that_part_s_errors(payloads):
    query = "{ topProducts { name ... @defer { reviews { body rating } } } }"
    got = await payloads("batch", query)
    assert "errors" not in got[0]
    entries = got[1]["incremental"]
    assert [e["path"] for e in entries] == [["topProducts", 0], ["topProducts", 1]]
    assert entries[1]["data"] == {"reviews": [{"body": "Comfy", "rating": None}]}
    assert [e["path"] for e in entries[1]["errors"]] == [["topProducts", 1, "reviews", 0, "rating"]]
    assert "errors" not in entries[0]


async def test_defer_on_a_type_condition_applies_to_matching_objects_only(payloads, plan_snapshot):
    query = "{ media { title ... on Book @defer { pages } } }"
    assert planned("abstract", query) == plan_snapshot
    assert await payloads("abstract", query) == [
        {"data": {"media": [{"title": "Dune"}, {"title": "Alien"}]}, "hasNext": True},
        {"incremental": [{"data": {"pages": 412}, "path": ["media", 0]}], "hasNext": False}]


async def test_a_nested_defer_switched_off_rides_in_its_parent_s_part(payloads):
    query = """query($v: Boolean!) { topProducts { upc ... @defer(label: "outer") { name
                 ... @defer(if: $v, label: "inner") { reviews { body } } } } }"""
    assert await payloads("entity_jump", query, {"v": False}) == [
        {"data": {"topProducts": [{"upc": "1"}, {"upc": "2"}]}, "hasNext": True},
        {"incremental": [
            {"data": {"name": "Table", "reviews": [{"body": "Sturdy"}]}, "path": ["topProducts", 0], "label": "outer"},
            {"data": {"name": "Chair", "reviews": []}, "path": ["topProducts", 1], "label": "outer"}],
         "hasNext": False}]


async def test_a_deferred_fragment_met_through_two_selections_is_delivered_once(payloads):
    query = """{ topProducts { upc ...F } topProducts { name ...F } }
               fragment F on Product { ... @defer(label: "f") { reviews { body } } }"""
    got = await payloads("entity_jump", query)
    assert got[0] == {"data": {"topProducts": [{"upc": "1", "name": "Table"}, {"upc": "2", "name": "Chair"}]},
                      "hasNext": True}
    assert [(e["path"], e["data"]) for e in got[1]["incremental"]] == [
        (["topProducts", 0], {"reviews": [{"body": "Sturdy"}]}), (["topProducts", 1], {"reviews": []})]


async def test_a_deferred_object_without_a_key_is_fetched_at_once_and_delivered_later(payloads, plan_snapshot):
    query = "{ topProducts { reviews { ... @defer { body } } } }"
    assert planned("entity_jump", query) == plan_snapshot  # Review has no key: body stays in the reviews fetch
    assert await payloads("entity_jump", query) == [
        {"data": {"topProducts": [{"reviews": [{}]}, {"reviews": []}]}, "hasNext": True},
        {"incremental": [{"data": {"body": "Sturdy"}, "path": ["topProducts", 0, "reviews", 0]}], "hasNext": False}]
