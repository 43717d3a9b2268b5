"""The offline provider's 3-D Secure through the payments service's real HTTP endpoints: the
payer's page, the webhook the provider sends itself, its intents surviving a restart."""

import re

import aiohttp

from subgraphs.payments.providers.offline import DEV_WEBHOOK_SECRET, stripe_signature
from tests.subgraphs.payments.support import PAY, PAYMENT, outbox, payment_row, state
from tests.support.apps import SubgraphClient, bearer

ORDER = 40  # the demo shopper's, unpaid


async def _requires_action(payments: SubgraphClient) -> dict:
    body = await payments.execute(PAY, {"o": str(ORDER), "m": "pm_card_threeDSecure2Required"}, bearer(1))
    payment = body["data"]["payOrder"]
    assert payment["status"] == "REQUIRES_ACTION" and payment["provider"] == "offline"
    return payment


async def test_three_d_secure_completed_on_the_page(offline_payments, offline_service):
    payment = await _requires_action(offline_payments)
    url = payment["nextAction"]["redirectUrl"]
    assert re.fullmatch(rf"http://127\.0\.0\.1:{offline_payments.client.port}/offline/authenticate/pi_offline_\w+", url)
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as resp:
            page = await resp.text()
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/html")
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
            assert 'value="complete"' in page and 'value="fail"' in page
        async with http.post(url, data={"outcome": "complete"}) as resp:
            assert resp.status == 200 and "Payment authenticated" in await resp.text()
        async with http.post(url, data={"outcome": "complete"}) as resp:
            assert resp.status == 409  # answered already
    body = await offline_payments.execute(PAYMENT, {"id": payment["id"]}, bearer(1))
    assert body["data"]["payment"]["status"] == "SUCCEEDED"
    assert [t for t, _ in await outbox(offline_payments.db)] == ["payment.requires_action", "payment.succeeded"]
    assert len((await state(offline_payments.db))["webhooks"]) == 1  # the provider's own, over HTTP


async def test_three_d_secure_failed_on_the_page(offline_payments):
    payment = await _requires_action(offline_payments)
    async with aiohttp.ClientSession() as http, http.post(payment["nextAction"]["redirectUrl"],
                                                          data={"outcome": "fail"}) as resp:
        assert resp.status == 200 and "Authentication failed" in await resp.text()
    row = await payment_row(offline_payments.db, payment["id"])
    assert (row.status, row.failure_message) == ("FAILED", "We are unable to authenticate your payment method.")


async def test_intents_survive_a_restart(offline_service):
    async with offline_service() as client:
        payment = await _requires_action(SubgraphClient(client))
    async with offline_service() as client:  # the same SQLite file, a new process' worth of state
        url = payment["nextAction"]["redirectUrl"]
        async with aiohttp.ClientSession() as http, http.post(url, data={"outcome": "complete"}) as resp:
            assert resp.status == 200
        assert (await payment_row(SubgraphClient(client).db, payment["id"])).status == "SUCCEEDED"


async def test_offline_webhooks_are_verified_like_stripes(offline_payments):
    payment = await _requires_action(offline_payments)
    row = await payment_row(offline_payments.db, payment["id"])
    event = (b'{"id":"evt_forged","object":"event","type":"payment_intent.succeeded","data":{"object":'
             b'{"id":"' + row.provider_ref.encode() + b'","object":"payment_intent","status":"succeeded"}}}')
    before = await state(offline_payments.db)
    for signature in ("", stripe_signature(event, "whsec_guess"), stripe_signature(event, DEV_WEBHOOK_SECRET, 1)):
        async with offline_payments.client.post("/webhooks/offline", data=event,
                                                headers={"Stripe-Signature": signature}) as resp:
            assert resp.status == 400
    assert await state(offline_payments.db) == before
    async with offline_payments.client.get("/offline/authenticate/pi_offline_unknown") as resp:
        assert resp.status == 404
