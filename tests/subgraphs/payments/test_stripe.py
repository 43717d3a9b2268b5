"""Stripe end to end through the real SDK against the stand-in: 3-D Secure and its webhooks,
webhooks that must be refused, refunds and disputes made outside Graft, reconciliation."""

import json
import time
from datetime import timedelta

import pytest

from subgraphs.payments import reconcile
from subgraphs.payments.webhooks import DB, PROVIDERS
from tests.subgraphs.payments.conftest import STRIPE_WEBHOOK_SECRET
from tests.subgraphs.payments.support import PAY, PAYMENT, REFUND, outbox, payment_row, refunds_of, state
from tests.support.apps import ADMIN, bearer
from tests.support.stripe_standin import sign

ORDER = 20  # the demo shopper's, unpaid


def _url(payments) -> str:
    return str(payments.client.make_url("/webhooks/stripe"))


async def _pay(payments, method: str) -> dict:
    body = await payments.execute(PAY, {"o": str(ORDER), "m": method}, bearer(1))
    return body["data"]["payOrder"]


async def _paid(payments, stripe) -> tuple[dict, dict]:
    payment = await _pay(payments, "pm_card_visa")
    assert payment["status"] == "SUCCEEDED"
    return payment, stripe.intents[(await payment_row(payments.db, payment["id"])).provider_ref]


async def test_three_d_secure_then_the_webhook_succeeds_it_once(stripe_payments):
    payments, stripe = stripe_payments
    payment = await _pay(payments, "pm_card_threeDSecure2Required")
    assert payment["status"] == "REQUIRES_ACTION"
    intent_id = (await payment_row(payments.db, payment["id"])).provider_ref
    assert payment["nextAction"] == {"type": "redirect", "redirectUrl": f"{stripe.base_url}/authenticate/{intent_id}"}
    assert [t for t, _ in await outbox(payments.db)] == ["payment.requires_action"]

    event = stripe.authenticate(intent_id, succeed=True)
    answers = [await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET) for _ in range(3)]
    assert [status for status, _ in answers] == [200, 200, 200]
    assert [body["duplicate"] for _, body in answers] == [False, True, True]

    body = await payments.execute(PAYMENT, {"id": payment["id"]}, bearer(1))
    assert body["data"]["payment"]["status"] == "SUCCEEDED" and body["data"]["payment"]["nextAction"] is None
    assert [t for t, _ in await outbox(payments.db)] == ["payment.requires_action", "payment.succeeded"]
    assert len((await state(payments.db))["webhooks"]) == 1


async def test_failed_authentication_fails_the_payment_and_frees_the_order(stripe_payments):
    payments, stripe = stripe_payments
    payment = await _pay(payments, "pm_card_threeDSecure2Required")
    intent_id = (await payment_row(payments.db, payment["id"])).provider_ref
    status, _ = await stripe.deliver(stripe.authenticate(intent_id, succeed=False), _url(payments),
                                     STRIPE_WEBHOOK_SECRET)
    assert status == 200
    row = await payment_row(payments.db, payment["id"])
    assert (row.status, row.failure_message, row.live_order_id) == (
        "FAILED", "We are unable to authenticate your payment method.", None)
    assert (await outbox(payments.db, "payment.failed"))[0][1]["reason"] == row.failure_message
    assert (await _pay(payments, "pm_card_visa"))["status"] == "SUCCEEDED"


async def test_another_method_after_an_abandoned_authentication_cancels_the_first(stripe_payments):
    payments, stripe = stripe_payments
    first = await _pay(payments, "pm_card_threeDSecure2Required")
    second = await _pay(payments, "pm_card_visa")
    assert second["status"] == "SUCCEEDED" and second["id"] != first["id"]
    assert (await payment_row(payments.db, first["id"])).status == "CANCELED"
    assert [i["status"] for i in stripe.intents.values()] == ["canceled", "succeeded"]


def _forgeries(event: dict) -> dict[str, dict]:
    payload = json.dumps(event).encode()
    tampered = payload.replace(b'"payment_intent.succeeded"', b'"payment_intent.succeeded" ')
    now = int(time.time())
    return {
        "unsigned": {"signature": ""},
        "garbage header": {"signature": "not a signature"},
        "wrong secret": {"signature": sign(payload, "whsec_someone_else")},
        "tampered body": {"payload": tampered, "signature": sign(payload, STRIPE_WEBHOOK_SECRET)},
        "replayed (old timestamp)": {"signature": sign(payload, STRIPE_WEBHOOK_SECRET, now - 301)},
        "not JSON": {"payload": b"{nope", "signature": sign(b"{nope", STRIPE_WEBHOOK_SECRET)},
    }


async def test_forged_tampered_unsigned_and_replayed_webhooks_are_refused(stripe_payments):
    payments, stripe = stripe_payments
    payment = await _pay(payments, "pm_card_threeDSecure2Required")
    event = stripe.authenticate((await payment_row(payments.db, payment["id"])).provider_ref)
    before = await state(payments.db)
    for name, forged in _forgeries(event).items():
        status, body = await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET, **forged)
        assert status == 400, name
        assert set(body) == {"error"} and "pi_" not in body["error"] and "evt_" not in body["error"], (name, body)
    assert await state(payments.db) == before
    status, body = await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET,
                                        timestamp=int(time.time()) - 299)  # within the tolerance
    assert status == 200 and (await payment_row(payments.db, payment["id"])).status == "SUCCEEDED"


async def test_a_refund_made_in_the_dashboard_is_recorded_and_published(stripe_payments):
    payments, stripe = stripe_payments
    payment, intent = await _paid(payments, stripe)
    event = stripe.refund_outside(intent["id"], 500)
    for _ in range(2):
        assert (await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET))[0] == 200
    refunds = await refunds_of(payments.db, payment["id"])
    assert [(r.amount, r.status, r.source, r.provider_ref) for r in refunds] == [
        (500, "succeeded", "provider", stripe.refunds[0]["id"])]
    row = await payment_row(payments.db, payment["id"])
    assert row.status == "PARTIALLY_REFUNDED" and row.refunded == row.refunded_settled == 500
    [(_, published)] = await outbox(payments.db, "payment.refunded")
    assert published == {"version": 1, "payment_id": row.id, "order_id": ORDER, "refund_id": refunds[0].id,
                         "amount": 500, "refunded": 500, "payment_amount": row.amount, "currency": "USD"}


async def test_graft_refunds_are_not_counted_again_by_their_webhooks(stripe_payments):
    payments, stripe = stripe_payments
    payment, intent = await _paid(payments, stripe)
    body = await payments.execute(REFUND, {"id": payment["id"], "amount": {"amount": 300}}, bearer(2, ADMIN))
    assert body["data"]["refundPayment"]["status"] == "PARTIALLY_REFUNDED"
    assert stripe.refunds[0]["metadata"] == {"graft_refund_key": stripe.requests[-1][1]}
    for event in stripe.of_type("charge.refunded"):
        assert (await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET))[0] == 200
    row = await payment_row(payments.db, payment["id"])
    assert (row.refunded, row.refunded_settled, len(await refunds_of(payments.db, row.id))) == (300, 300, 1)
    rest = await payments.execute(REFUND, {"id": payment["id"]}, bearer(2, ADMIN))
    assert rest["data"]["refundPayment"]["status"] == "REFUNDED"
    assert [p["refunded"] for _, p in await outbox(payments.db, "payment.refunded")] == [300, intent["amount"]]


async def test_a_dispute_moves_the_payment_to_disputed(stripe_payments):
    payments, stripe = stripe_payments
    payment, intent = await _paid(payments, stripe)
    event = stripe.dispute(intent["id"])
    for _ in range(2):
        assert (await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET))[0] == 200
    assert (await payment_row(payments.db, payment["id"])).status == "DISPUTED"
    assert await outbox(payments.db, "payment.disputed") == [("payment.disputed", {
        "version": 1, "payment_id": int(payment["id"]), "order_id": ORDER, "amount": intent["amount"]})]
    refused = await payments.execute(REFUND, {"id": payment["id"]}, bearer(2, ADMIN))
    assert refused["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert refused["errors"][0]["message"] == f"Payment {payment['id']} is DISPUTED and cannot be refunded"


async def test_other_event_types_are_acknowledged_and_ignored(stripe_payments):
    payments, stripe = stripe_payments
    await _paid(payments, stripe)
    before = await state(payments.db)
    [created] = stripe.of_type("payment_intent.created")
    status, body = await stripe.deliver(created, _url(payments), STRIPE_WEBHOOK_SECRET)
    assert status == 200 and body == {"received": True, "duplicate": False}
    after = await state(payments.db)
    assert len(after.pop("webhooks")) == len(before.pop("webhooks")) + 1 and after == before


async def test_reconciliation_finds_a_processing_payment_succeeded(stripe_payments):
    payments, stripe = stripe_payments
    stripe.processing_methods.add("pm_card_visa")
    payment = await _pay(payments, "pm_card_visa")
    assert payment["status"] == "PROCESSING"
    row = await payment_row(payments.db, payment["id"])
    app = payments.client.app
    assert await reconcile.reconcile(app[DB], app[PROVIDERS], timedelta(minutes=5), 10) == 0  # not old enough
    assert await reconcile.reconcile(app[DB], app[PROVIDERS], timedelta(0), 10) == 1
    assert (await payment_row(payments.db, row.id)).status == "PROCESSING"  # still, at Stripe
    stripe.settle(row.provider_ref)  # its webhook is lost
    assert await reconcile.reconcile(app[DB], app[PROVIDERS], timedelta(0), 10) == 0  # leased a while
    async with app[DB].session() as session, session.begin():
        (await session.get_one(type(row), row.id)).lease_until = None  # the lease ran out
    assert await reconcile.reconcile(app[DB], app[PROVIDERS], timedelta(0), 10) == 1
    assert (await payment_row(payments.db, row.id)).status == "SUCCEEDED"
    assert [t for t, _ in await outbox(payments.db)] == ["payment.succeeded"]


@pytest.mark.parametrize("secret", [None])
async def test_stripe_webhooks_without_a_secret_are_refused(stripe_payments, monkeypatch, secret):
    payments, stripe = stripe_payments
    payments.client.app[PROVIDERS].by_name["stripe"].webhook_secret = secret  # type: ignore[attr-defined]
    payment = await _pay(payments, "pm_card_threeDSecure2Required")
    event = stripe.authenticate((await payment_row(payments.db, payment["id"])).provider_ref)
    status, body = await stripe.deliver(event, _url(payments), STRIPE_WEBHOOK_SECRET)
    assert status == 400 and "not configured" in body["error"]
