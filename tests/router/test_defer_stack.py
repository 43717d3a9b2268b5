"""@defer through `graft serve` with the real subgraphs and a slow one: the first part arrives
while the slow deferred fetch is still running, framed as multipart/mixed (read by our own
parser); denials and subgraph errors land in the deferred part they belong to."""

import pytest

from tests.support.defer_stack import defer_stack, read_streamed

DELAY_MS = 1500
QUERY = """query($delay: Int!) { product(id: "1") { name sku
  ... @defer(label: "forecast") { restockForecast(delayMs: $delay) } } }"""


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    with defer_stack(tmp_path_factory.mktemp("defer")) as running:
        yield running


async def test_first_part_arrives_before_the_slow_deferred_fetch_completes(router):
    streamed = await read_streamed(router.graphql_url, QUERY, {"delay": DELAY_MS})
    assert streamed.content_type == 'multipart/mixed;boundary="-";deferSpec=20220824'
    assert streamed.closed and len(streamed.arrivals) == 2
    assert {h["content-type"] for h in streamed.part_headers} == {"application/json; charset=utf-8"}
    first, last = streamed.arrivals
    assert first.payload["hasNext"] is True and "restockForecast" not in first.payload["data"]["product"]
    assert first.payload["data"]["product"]["sku"].startswith("SKU-")
    assert last.payload == {"hasNext": False, "incremental": [{
        "data": {"restockForecast": f"product 1: restocked within {DELAY_MS} ms"},
        "path": ["product"], "label": "forecast"}]}
    assert last.seconds >= DELAY_MS / 1000
    assert first.seconds < last.seconds - 1.0  # not held back by the slow fetch


async def test_clients_without_multipart_get_everything_in_one_json_answer(router):
    streamed = await read_streamed(router.graphql_url, QUERY, {"delay": 10}, accept="application/json")
    assert streamed.content_type.startswith("application/json")
    (only,) = streamed.arrivals
    assert only.payload["data"]["product"]["restockForecast"] == "product 1: restocked within 10 ms"
    assert "hasNext" not in only.payload


async def test_denials_and_subgraph_errors_land_in_their_deferred_part(router):
    query = """{ product(id: "1") { name
      ... @defer(label: "stock") { stock }
      ... @defer(label: "broken") { restockForecast(delayMs: -1) } } }"""
    streamed = await read_streamed(router.graphql_url, query)
    first, *rest = [a.payload for a in streamed.arrivals]
    assert "errors" not in first and first["data"] == {"product": {"name": first["data"]["product"]["name"]}}
    entries = {e["label"]: e for p in rest for e in p["incremental"]}
    assert entries["stock"]["data"] == {"stock": None}
    assert [(e["path"], e["extensions"]["code"]) for e in entries["stock"]["errors"]] == [
        (["product", "stock"], "UNAUTHORIZED")]
    assert entries["broken"]["data"] is None  # restockForecast is non-null: the fragment's data is null
    assert [e["path"] for e in entries["broken"]["errors"]][0] == ["product", "restockForecast"]
    assert rest[-1]["hasNext"] is False


def test_apollo_client_renders_the_primary_part_then_the_deferred_one(router):
    from tests.support.apollo_client import emitted

    first, second = emitted(router.graphql_url, QUERY, {"delay": DELAY_MS}, until=2)
    assert "error" not in first, first
    assert first["data"]["product"]["sku"].startswith("SKU-") and "restockForecast" not in first["data"]["product"]
    assert second["data"]["product"]["restockForecast"] == f"product 1: restocked within {DELAY_MS} ms"
    assert second["ms"] - first["ms"] >= DELAY_MS - 500  # Apollo saw the first part well before the slow one


async def test_a_deferred_part_ends_by_the_request_s_deadline(router):
    streamed = await read_streamed(router.graphql_url, QUERY, {"delay": 5000}, headers={"X-Graft-Deadline-Ms": "800"})
    assert streamed.closed
    first, *rest = [a.payload for a in streamed.arrivals]
    assert first["hasNext"] is True and first["data"]["product"]["name"]
    assert rest[-1]["hasNext"] is False
    errors = [e for p in rest for e in p.get("errors", []) + [x for i in p.get("incremental", ()) for x in i.get("errors", [])]]
    assert errors, rest
    assert streamed.arrivals[-1].seconds < 3  # not the 5 s the slow subgraph would take
