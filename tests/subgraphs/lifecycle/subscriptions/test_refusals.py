"""What the router refuses, and how each protocol says so: graphql-transport-ws's close codes for
messages it does not allow (the connection's other operations unaffected where the protocol
allows), request errors as `error` messages, the per-client cap, scopes, operation limits, a
subscription over plain HTTP, and a token that expires or is revoked mid-stream."""

from __future__ import annotations

import time

import aiohttp
import pytest

from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from tests.subgraphs.lifecycle.subscriptions.flows import placed_order
from tests.support.node_clients import NodeSubscriber
from tests.support.transport_ws import PROTOCOL, connect

MINE = "subscription { myOrderUpdates { id status } }"
STOCK = 'subscription { stockChanged(productId: "1") { id stock } }'


async def _closed_with(ws, code: int) -> dict:
    message = await ws.receive()
    assert message["type"] == "closed" and message["code"] == code, message
    return message


@pytest.mark.parametrize(("messages", "code", "reason"), [
    (['{"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}}'], 4401, "Unauthorized"),
    (["not json"], 4400, "not JSON"),
    (['{"type": "connection_init"}', '{"type": "shout"}'], 4400, "unknown type"),
    (['{"type": "connection_init"}', '{"type": "connection_init"}'], 4429, "Too many"),
    (['{"type": "connection_init"}', '{"type": "subscribe", "payload": {"query": "{ __typename }"}}'], 4400, "id"),
    (['{"type": "connection_init"}', '{"type": "subscribe", "id": "1", "payload": 3}'], 4400, "payload"),
    (['{"type": "connection_init", "payload": {"Authorization": "Bearer not-a-jwt"}}'], 4403, "Invalid token"),
    (['{"type": "connection_init"}', "x" * 5000], 1009, ""),
])
async def test_protocol_violations_close_the_socket_with_the_protocols_code(market, messages, code, reason):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(market.router.graphql_url, protocols=[PROTOCOL])
        for text in messages:
            await ws.send_str(text)
        message = await ws.receive(timeout=10)
        while message.type == aiohttp.WSMsgType.TEXT:
            assert message.json()["type"] == "connection_ack", message
            message = await ws.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.CLOSE and ws.close_code == code, (ws.close_code, message)
        assert reason in (message.extra or ""), message


async def test_without_the_subprotocol_or_init_the_socket_is_closed(market):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(market.router.graphql_url)
        await ws.receive()
        assert ws.close_code == 4406
        ws = await http.ws_connect(market.router.graphql_url, protocols=[PROTOCOL])
        started = time.monotonic()
        await ws.receive()  # connection_init_timeout is 2 s here
        assert ws.close_code == 4408 and 1.5 < time.monotonic() - started < 10


async def test_request_errors_answer_the_operation_and_keep_the_connection(market):
    shopper = await market.sign_in()
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, market.router.graphql_url, {"Authorization": f"Bearer {shopper}"})
        await ws.subscribe("bad", "subscription { noSuchField }")
        refused = await ws.receive()
        assert refused["type"] == "error" and refused["id"] == "bad", refused
        assert refused["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", refused
        aliases = " ".join(f"a{i}: id" for i in range(40))
        await ws.subscribe("wide", f"subscription {{ myOrderUpdates {{ {aliases} }} }}")
        refused = await ws.receive()
        assert refused["type"] == "error" and "alias" in refused["payload"][0]["message"].lower(), refused
        await ws.subscribe("stock", STOCK)  # a shopper lacks inventory:read: the field is denied, once
        denied = await ws.next("stock")
        assert denied["data"] == {"stockChanged": None}, denied
        assert denied["errors"][0]["extensions"]["code"] == "UNAUTHORIZED", denied
        assert (await ws.receive()) == {"id": "stock", "type": "complete"}
        await ws.subscribe("q", "{ __typename }")  # a query over the socket: one result
        assert (await ws.next("q"))["data"] == {"__typename": "Query"}
        await ws.close()


async def test_the_cap_counts_open_subscriptions_per_client(market):
    shopper, order_id, _ = await placed_order(market)
    follow = "subscription($id: ID!) { orderUpdated(id: $id) { status } }"

    async def open(ws, id: str) -> None:  # its first result: it holds a place
        await ws.subscribe(id, follow, {"id": order_id})
        assert (await ws.next(id))["data"]["orderUpdated"]["status"] == "PENDING_PAYMENT"

    async def refused(ws, id: str) -> None:
        await ws.subscribe(id, follow, {"id": order_id})
        answer = await ws.receive()
        assert answer["type"] == "error" and answer["id"] == id, answer
        assert answer["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS", answer

    async with aiohttp.ClientSession() as http:
        ws = await connect(http, market.router.graphql_url, {"Authorization": f"Bearer {shopper}"})
        other = await connect(http, market.router.graphql_url, {"Authorization": f"Bearer {shopper}"})
        await open(ws, "1")
        await open(ws, "2")
        await open(other, "3")  # the cap (3) is the client's, across connections
        await refused(ws, "4")
        await ws.send({"id": "1", "type": "complete"})  # its place is free before the next message is read
        await open(ws, "5")
        await refused(ws, "6")
        await ws.subscribe("5", follow, {"id": order_id})
        await _closed_with(ws, 4409)
        await other.close()


async def test_a_subscription_over_plain_http_is_refused(market):
    async with aiohttp.ClientSession() as http:
        async with http.post(market.router.graphql_url, json={"query": MINE}) as response:
            body = await response.json()
    assert response.status == 405 and body["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_TRANSPORT_REQUIRED"


TTL = 8  # long enough for Node to start and subscribe on a busy machine, so the token expires while open


@pytest.mark.parametrize("protocol", ["ws", "sse"])
async def test_an_expiring_token_ends_the_subscription_saying_so(market, protocol):
    keys = KeyStore.open(market.base / "keys" / "signing-keys.json")
    token = issue_access_token(keys, TokenSettings(), subject="1", kind="user", scopes=["orders:read"],
                               client_id="storefront", ttl=TTL)
    started = time.monotonic()
    client = await NodeSubscriber.start(protocol, market.router.graphql_url, MINE, token=token)
    try:
        message = await client.message()
        # the shopper's other orders may change meanwhile (the sweeper expires unpaid ones): skip those
        while message["type"] == "connected" or (message["type"] == "next" and "errors" not in message["result"]):
            message = await client.message()
        assert message["type"] == "next", message
        assert message["result"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", message
        assert "expired" in message["result"]["errors"][0]["message"] and time.monotonic() - started < TTL + 4
        assert (await client.message())["type"] == "complete"
    finally:
        await client.stop()


@pytest.mark.parametrize("marketplace", [pytest.param("postgres-redis", marks=[pytest.mark.postgres, pytest.mark.redis])],
                         indirect=True)  # the router hears of revocations through Redis
async def test_a_revoked_token_ends_the_subscription(market):
    shopper, order_id, _ = await placed_order(market)
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, market.router.graphql_url, {"Authorization": f"Bearer {shopper}"})
        await ws.subscribe("o", "subscription($id: ID!) { orderUpdated(id: $id) { status } }", {"id": order_id})
        assert (await ws.next("o"))["data"]["orderUpdated"]["status"] == "PENDING_PAYMENT"
        async with http.post(f"{market.router.url}/oauth/revoke", data={"token": shopper,
                                                                        "client_id": "storefront"}) as response:
            assert response.status == 200
        ended = await ws.next("o")
        assert ended["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "revoked" in ended["errors"][0]["message"]
        assert (await ws.receive()) == {"id": "o", "type": "complete"}
        await ws.close()


@pytest.mark.parametrize("accept", ["text/event-stream", "multipart/mixed;subscriptionSpec=1.0"])
async def test_streams_refuse_bad_input_and_bad_tokens(market, accept):
    async with aiohttp.ClientSession() as http:
        async with http.post(market.router.graphql_url, data=b"{not json", headers={
                "Accept": accept, "Content-Type": "application/json"}) as response:
            assert response.status == 400 and (await response.json())["errors"], await response.text()
        async with http.post(market.router.graphql_url, json={"query": MINE}, headers={
                "Accept": accept, "Authorization": "Bearer not-a-jwt"}) as response:
            assert response.status == 200
            text = await response.text()  # the refusal, then the end of the stream
    assert "UNAUTHENTICATED" in text and "Invalid token" in text, text
    assert text.rstrip().endswith("event: complete\ndata:" if accept == "text/event-stream" else "--graphql--"), text


async def test_rate_limits_apply_when_subscribing(market):
    import uuid

    keys = KeyStore.open(market.base / "keys" / "signing-keys.json")
    partner = issue_access_token(keys, TokenSettings(), subject="partner", kind="client", scopes=["inventory:read"],
                                 client_id=f"rate-{uuid.uuid4().hex[:8]}", extra_claims={"tier": "subscribers"})
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, market.router.graphql_url, {"Authorization": f"Bearer {partner}"})
        for id in ("1", "2"):  # the tier's two requests
            await ws.subscribe(id, STOCK)
            assert (await ws.next(id))["data"]["stockChanged"]["id"] == "1"
        await ws.subscribe("3", STOCK)
        refused = await ws.receive()
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED", refused
        await ws.close()
