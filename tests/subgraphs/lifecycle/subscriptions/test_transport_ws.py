"""graphql-transport-ws through the router, message by message: an order followed from placing to
paid with fields from the catalog and payments; the protocol's refusals and close codes."""

from __future__ import annotations

import aiohttp

from tests.subgraphs.lifecycle.subscriptions.flows import ORDER_UPDATED, pay, placed_order
from tests.support.transport_ws import connect


async def test_an_order_followed_until_paid_with_fields_from_three_subgraphs(market):
    shopper, order_id, name = await placed_order(market)
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, market.router.graphql_url, {"Authorization": f"Bearer {shopper}"})
        await ws.subscribe("o", ORDER_UPDATED, {"id": order_id})
        first = (await ws.next("o"))["data"]["orderUpdated"]
        assert first["status"] == "PENDING_PAYMENT" and first["items"][0]["product"]["name"] == name, first
        await pay(market, shopper, order_id)
        seen = [first]
        while seen[-1]["status"] != "PAID":
            result = await ws.next("o", timeout=15)
            assert "errors" not in result, result
            seen.append(result["data"]["orderUpdated"])
        assert seen[-1]["paymentStatus"] == "PAID" and seen[-1]["items"][0]["product"]["name"] == name, seen
        await ws.send({"id": "o", "type": "complete"})
        await ws.close()
