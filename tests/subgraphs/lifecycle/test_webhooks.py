"""A payment the provider confirms later: 3-D Secure on make run's offline provider, through its
page and its signed webhook; a webhook delivered three times is applied once; forged, tampered and
replayed webhooks get 400 and change nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import aiohttp
from sqlalchemy import select

from subgraphs.common.events.store import OutboxEvent
from tests.subgraphs.lifecycle.client import Marketplace
from tests.subgraphs.lifecycle.test_paths import PAY, _balanced, _place, _product, _tokens

OFFLINE_SECRET = "whsec_graft_offline_dev"  # the offline provider's development secret (make run)
THREE_DS = "pm_card_threeDSecure2Required"


def _signed(body: bytes, secret: str = OFFLINE_SECRET, at: int | None = None) -> str:
    """Stripe's scheme: t=<unix time>,v1=<HMAC-SHA256 of "t." + body>."""
    t = int(time.time()) if at is None else at
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


async def _post(market: Marketplace, body: bytes, signature: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", **({"Stripe-Signature": signature} if signature else {})}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{market.subgraphs['payments'].url}/webhooks/offline", data=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


async def _requiring_action(market: Marketplace, shopper: str, admin: str) -> tuple[dict, dict]:
    product = await _product(market, admin, stock=2)
    order = await _place(market, shopper, product)
    payment = (await market.data(PAY, {"id": order["id"], "method": THREE_DS}, shopper))["payOrder"]
    assert payment["status"] == "REQUIRES_ACTION", payment
    assert payment["nextAction"]["type"] == "redirect" and payment["nextAction"]["redirectUrl"]
    return order, payment


async def test_three_d_secure_through_the_bank_page_pays_the_order(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    order, payment = await _requiring_action(marketplace, shopper, admin)
    assert (await marketplace.order(order["id"], shopper))["status"] == "PENDING_PAYMENT"
    url = payment["nextAction"]["redirectUrl"]
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as page:
            assert page.status == 200 and "Complete" in await page.text()
        async with http.post(url, data={"outcome": "complete"}) as answered:
            assert answered.status == 200, await answered.text()
    paid = await marketplace.order_becomes(order["id"], shopper, "PAID")
    assert [p["status"] for p in paid["payments"]] == ["SUCCEEDED"] and paid["paymentStatus"] == "PAID"
    await _balanced(marketplace)


async def _succeeded_count(market: Marketplace, payment_id: str) -> int:
    db = market.database("payments")
    try:
        async with db.session() as session:
            rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "payment.succeeded"))
            return sum(1 for row in rows if str(row.event().payload["payment_id"]) == payment_id)
    finally:
        await db.dispose()


async def test_webhooks_forged_refused_and_redelivered_applied_once(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    order, payment = await _requiring_action(marketplace, shopper, admin)
    intent = payment["nextAction"]["redirectUrl"].rstrip("/").rsplit("/", 1)[-1]
    event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": "payment_intent.succeeded",
             "created": int(time.time()), "data": {"object": {
                 "id": intent, "object": "payment_intent", "amount": order["total"]["amount"], "currency": "usd",
                 "status": "succeeded", "metadata": {"graft_payment_id": payment["id"]}}}}
    body = json.dumps(event).encode()
    refusals = {
        "unsigned": await _post(marketplace, body, None),
        "wrong secret": await _post(marketplace, body, _signed(body, "whsec_not_ours")),
        "tampered": await _post(marketplace, body.replace(b'"succeeded"', b'"succeeded" '), _signed(body)),
        "replayed": await _post(marketplace, body, _signed(body, at=int(time.time()) - 3600)),
        "not json": await _post(marketplace, b"{", _signed(b"{")),
    }
    for case, (status, answer) in refusals.items():
        assert status == 400 and "error" in answer, (case, status, answer)
        assert OFFLINE_SECRET not in json.dumps(answer)
    assert (await marketplace.order(order["id"], shopper))["payments"][0]["status"] == "REQUIRES_ACTION"
    assert await _succeeded_count(marketplace, payment["id"]) == 0

    answers = [await _post(marketplace, body, _signed(body)) for _ in range(3)]
    assert [status for status, _ in answers] == [200, 200, 200], answers
    await marketplace.order_becomes(order["id"], shopper, "PAID")
    assert await _succeeded_count(marketplace, payment["id"]) == 1
    await _balanced(marketplace)
