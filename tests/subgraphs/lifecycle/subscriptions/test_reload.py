"""A new supergraph while subscriptions are open: with on_reload keep they go on (on the old one)
and hear the order paid; with close each ends with SUBSCRIPTION_CLOSED saying why."""

from __future__ import annotations

import shutil

import aiohttp
import pytest

from router.schema_files import SUPERGRAPH
from tests.subgraphs.lifecycle.subscriptions.flows import pay, placed_order
from tests.support.eventually import eventually
from tests.support.processes import start_graft
from tests.support.transport_ws import connect

FOLLOW = "subscription($id: ID!) { orderUpdated(id: $id) { status } }"


def _router(market, mode: str):
    supergraph = market.base / f"supergraph-{mode}.graphql"
    shutil.copyfile(SUPERGRAPH, supergraph)
    config = market.base / f"reload-{mode}.yaml"
    config.write_text(f"auth:\n  authorization_server: {market.subgraphs['users'].url}\n"
                      f"supergraph:\n  poll_interval: 0.2\nsubscriptions:\n  on_reload: {mode}\nsubgraphs:\n"
                      + "".join(f"  {name}:\n    url: {s.graphql_url}\n" for name, s in market.subgraphs.items()))
    router = start_graft(f"reload-{mode}", ["serve", "--supergraph", str(supergraph), "--config", str(config)],
                         {"GRAFT_DATA_DIR": str(market.base)}, market.base)
    return router, supergraph


async def _reloaded(http: aiohttp.ClientSession, router, supergraph) -> None:
    async with http.get(f"{router.url}/health") as response:
        before = (await response.json())["supergraph_sha"]
    supergraph.write_text(supergraph.read_text() + "\n# a new revision\n")

    async def sha() -> str:
        async with http.get(f"{router.url}/health") as response:
            return (await response.json())["supergraph_sha"]
    await eventually(sha, lambda now: now != before, 10)


@pytest.mark.parametrize("marketplace", ["sqlite-http"], indirect=True)  # a reload is the router's alone
@pytest.mark.parametrize("mode", ["keep", "close"])
async def test_open_subscriptions_on_reload(market, mode):
    router, supergraph = _router(market, mode)
    try:
        shopper, order_id, _ = await placed_order(market)
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, router.graphql_url, {"Authorization": f"Bearer {shopper}"})
            await ws.subscribe("o", FOLLOW, {"id": order_id})
            assert (await ws.next("o"))["data"]["orderUpdated"]["status"] == "PENDING_PAYMENT"
            await _reloaded(http, router, supergraph)
            if mode == "keep":
                await pay(market, shopper, order_id)
                status = "PENDING_PAYMENT"
                while status != "PAID":
                    status = (await ws.next("o", timeout=15))["data"]["orderUpdated"]["status"]
            else:
                ended = await ws.next("o")
                assert ended["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_CLOSED", ended
                assert "supergraph changed" in ended["errors"][0]["message"]
                assert (await ws.receive()) == {"id": "o", "type": "complete"}
            await ws.subscribe("again", FOLLOW, {"id": order_id})  # served by the new supergraph
            assert "data" in await ws.next("again")
            await ws.close()
    finally:
        router.stop()


@pytest.mark.parametrize("marketplace", ["sqlite-http"], indirect=True)  # stopping is the router's alone
async def test_sigterm_ends_open_subscriptions_saying_so_and_does_not_wait_out_the_drain(market):
    import time

    router, _ = _router(market, "keep")
    try:
        shopper, order_id, _ = await placed_order(market)
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, router.graphql_url, {"Authorization": f"Bearer {shopper}"})
            await ws.subscribe("o", FOLLOW, {"id": order_id})
            await ws.next("o")
            started = time.monotonic()
            router.process.terminate()
            ended = await ws.next("o")
            assert "shutting down" in ended["errors"][0]["message"], ended
            assert (await ws.receive()) == {"id": "o", "type": "complete"}
            assert (await ws.receive())["code"] == 1001
            router.process.wait(10)
            assert time.monotonic() - started < 5  # drain.grace_seconds is 15
    finally:
        router.stop()
