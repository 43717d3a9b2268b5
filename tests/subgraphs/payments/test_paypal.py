"""PayPal end to end through the real paypal-server-sdk against the stand-in: create, approve,
capture (on the webhook or by reconciliation), refund, and webhooks PayPal does not vouch for."""

import json
from datetime import timedelta

from subgraphs.payments import reconcile
from subgraphs.payments.webhooks import DB, PROVIDERS
from tests.subgraphs.payments.support import PAY, REFUND, outbox, payment_row, state
from tests.support.apps import ADMIN, bearer

ORDER = 30  # the demo shopper's, unpaid


def _url(payments) -> str:
    return str(payments.client.make_url("/webhooks/paypal"))


async def _started(payments, paypal) -> tuple[dict, dict]:
    body = await payments.execute(PAY, {"o": str(ORDER), "m": "paypal"}, bearer(1))
    payment = body["data"]["payOrder"]
    return payment, paypal.orders[(await payment_row(payments.db, payment["id"])).provider_ref]


async def test_create_approve_capture_refund(paypal_payments):
    payments, paypal = paypal_payments
    payment, order = await _started(payments, paypal)
    assert payment["provider"] == "paypal" and payment["status"] == "REQUIRES_ACTION"
    assert payment["nextAction"] == {"type": "redirect", "redirectUrl": f"{paypal.base_url}/checkoutnow?token={order['id']}"}
    assert order["purchase_units"][0]["amount"] == {"currency_code": "USD",
                                                    "value": f"{payment['amount']['amount'] / 100:.2f}"}
    assert order["purchase_units"][0]["custom_id"] == payment["id"]
    assert paypal.requests[0] == ("POST /v2/checkout/orders", f"graft-pay-{payment['id']}")

    approved = paypal.approve(order["id"])
    for _ in range(2):
        assert (await paypal.deliver(approved, _url(payments)))[0] == 200
    assert order["status"] == "COMPLETED"
    assert [r for r in paypal.requests if "capture" in r[0]] == [
        (f"POST /v2/checkout/orders/{order['id']}/capture", f"graft-capture-{order['id']}")]
    assert (await payment_row(payments.db, payment["id"])).status == "SUCCEEDED"
    [captured] = paypal.of_type("PAYMENT.CAPTURE.COMPLETED")
    status, body = await paypal.deliver(captured, _url(payments))
    assert status == 200 and body == {"received": True, "duplicate": False}
    assert [t for t, _ in await outbox(payments.db)] == ["payment.requires_action", "payment.succeeded"]

    partial = await payments.execute(REFUND, {"id": payment["id"], "amount": {"amount": 250}}, bearer(2, ADMIN))
    assert partial["data"]["refundPayment"]["status"] == "PARTIALLY_REFUNDED"
    rest = await payments.execute(REFUND, {"id": payment["id"]}, bearer(2, ADMIN))
    assert rest["data"]["refundPayment"]["status"] == "REFUNDED"
    assert [r["amount"]["value"] for r in paypal.refunds] == ["2.50", f"{(payment['amount']['amount'] - 250) / 100:.2f}"]
    assert all(request_id.startswith("graft-refund-") for path, request_id in paypal.requests if "refund" in path)
    for event in paypal.of_type("PAYMENT.CAPTURE.REFUNDED"):  # our own refunds, reported back
        assert (await paypal.deliver(event, _url(payments)))[0] == 200
    row = await payment_row(payments.db, payment["id"])
    assert (row.refunded, row.refunded_settled) == (row.amount, row.amount)
    assert len(await outbox(payments.db, "payment.refunded")) == 2


async def test_reconciliation_captures_an_approved_order_whose_webhook_was_lost(paypal_payments):
    payments, paypal = paypal_payments
    payment, order = await _started(payments, paypal)
    app = payments.client.app
    assert await reconcile.reconcile(app[DB], app[PROVIDERS], timedelta(0), 10) == 1
    assert (await payment_row(payments.db, payment["id"])).status == "REQUIRES_ACTION"  # not approved yet
    paypal.approve(order["id"])
    async with app[DB].session() as session, session.begin():
        (await session.get_one(type(await payment_row(payments.db, payment["id"])), int(payment["id"]))).lease_until = None
    assert await reconcile.reconcile(app[DB], app[PROVIDERS], timedelta(0), 10) == 1
    assert (await payment_row(payments.db, payment["id"])).status == "SUCCEEDED" and order["status"] == "COMPLETED"


async def test_webhooks_paypal_does_not_verify_are_refused(paypal_payments):
    payments, paypal = paypal_payments
    _, order = await _started(payments, paypal)
    approved = paypal.approve(order["id"])
    before = await state(payments.db)
    tampered = json.dumps({**approved, "event_type": "PAYMENT.CAPTURE.COMPLETED"}).encode()
    for forged in ({"signature": "bm90IGEgc2lnbmF0dXJl"}, {"body": tampered}):
        status, body = await paypal.deliver(approved, _url(payments), **forged)
        assert status == 400 and body == {"error": "Webhook signature does not verify"}
    async with payments.client.post("/webhooks/paypal", data=json.dumps(approved)) as resp:  # no PayPal headers
        assert resp.status == 400 and await resp.json() == {"error": "Missing PayPal transmission headers"}
    assert paypal.verifications == ["FAILURE", "FAILURE"]
    assert await state(payments.db) == before and order["status"] == "APPROVED"


async def test_webhooks_of_a_provider_not_configured_are_404(payments):
    async with payments.client.post("/webhooks/paypal", data=b"{}") as resp:
        assert resp.status == 404
    async with payments.client.post("/webhooks/stripe", data=b"{}") as resp:
        assert resp.status == 404
