"""Real client libraries through the router, end to end: place an order, subscribe, pay it, and
receive its status changes with fields from the catalog and payments: graphql-ws and
graphql-sse (npm, in Node), gql's websockets transport (Python), Apollo's multipart protocol."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from tests.subgraphs.lifecycle.subscriptions.flows import ORDER_UPDATED, assert_paid_with_entities, pay, placed_order
from tests.support.node_clients import NodeSubscriber


@pytest.mark.parametrize("protocol", ["ws", "sse"])
async def test_node_library_follows_an_order_until_paid(market, protocol):
    shopper, order_id, name = await placed_order(market)
    client = await NodeSubscriber.start(protocol, market.router.graphql_url, ORDER_UPDATED, {"id": order_id}, shopper)
    try:
        results = [await client.result()]
        assert results[0]["data"]["orderUpdated"]["status"] == "PENDING_PAYMENT", results
        await pay(market, shopper, order_id)
        while results[-1]["data"]["orderUpdated"]["status"] != "PAID":
            results.append(await client.result())
        assert_paid_with_entities(results, name)
    finally:
        await client.stop()


async def test_gql_websockets_transport_hears_my_orders(market):
    from gql import Client, gql
    from gql.transport.websockets import WebsocketsTransport

    shopper = await market.sign_in()
    url = market.router.graphql_url.replace("http", "ws", 1)
    transport = WebsocketsTransport(url=url, init_payload={"Authorization": f"Bearer {shopper}"},
                                    subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    query = gql("subscription { myOrderUpdates { id status paymentStatus items { product { name } } } }")
    async with Client(transport=transport) as session:
        updates = session.subscribe(query)
        first = asyncio.ensure_future(anext(updates))
        await asyncio.sleep(0.5)  # subscribed before the order exists
        _, order_id, name = await placed_order(market)
        placed = (await asyncio.wait_for(first, 15))["myOrderUpdates"]
        assert placed["id"] == order_id and placed["status"] == "PENDING_PAYMENT", placed
        await pay(market, shopper, order_id)
        seen = [placed]
        while seen[-1]["status"] != "PAID" or seen[-1]["paymentStatus"] != "PAID":
            seen.append((await asyncio.wait_for(anext(updates), 15))["myOrderUpdates"])
        assert seen[-1]["items"][0]["product"]["name"] == name, seen
        await updates.aclose()  # gql sends complete for it; the connection then closes at once


async def multipart_parts(response: aiohttp.ClientResponse) -> list[dict]:
    """Parts as they come: each JSON body between boundaries, `{}` for heartbeats."""
    buffer = b""
    async for chunk in response.content.iter_any():
        buffer += chunk
        *parts, buffer = buffer.split(b"\r\n--graphql")
        for part in parts:
            _, _, body = part.partition(b"\r\n\r\n")
            if body.strip():
                yield orjson.loads(body)


async def test_multipart_protocol_with_heartbeats(market):
    shopper, order_id, name = await placed_order(market)
    headers = {"Accept": "multipart/mixed;subscriptionSpec=1.0, application/json",
               "Authorization": f"Bearer {shopper}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(market.router.graphql_url, json={"query": ORDER_UPDATED, "variables": {"id": order_id}},
                             headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("multipart/mixed")
            assert 'subscriptionSpec="1.0"' in response.headers["Content-Type"]
            parts = multipart_parts(response)
            results, heartbeats = [(await anext(parts))["payload"]], 0
            await pay(market, shopper, order_id)
            while results[-1]["data"]["orderUpdated"]["status"] != "PAID":
                part = await asyncio.wait_for(anext(parts), 15)
                if part == {}:
                    heartbeats += 1
                else:
                    results.append(part["payload"])
            while heartbeats == 0:  # the heartbeat is 1 s here
                heartbeats += await asyncio.wait_for(anext(parts), 5) == {}
    assert_paid_with_entities(results, name)
