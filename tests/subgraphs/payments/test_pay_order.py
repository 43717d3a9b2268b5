import pytest

from subgraphs.common import seeddata
from subgraphs.payments.service import events
from tests.subgraphs.payments.support import cancelled, outbox, state
from tests.support.apps import ADMIN, bearer, mutation_over_get

PAY = "mutation($o: ID!, $m: String!) { payOrder(orderId: $o, paymentMethod: $m) { id status provider amount { amount currency } order { id } } }"
REFUND = "mutation($id: ID!) { refundPayment(id: $id) { status } }"
STATUS = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { paymentStatus payments { status } } } }'

# seeded PENDING_PAYMENT (unpaid) orders of the demo user (id 1): every tenth order
UNPAID = 10
assert seeddata.orders()[UNPAID - 1].status == "PENDING_PAYMENT" and seeddata.orders()[UNPAID - 1].buyer_id == 1


async def _status(payments, order_id: int) -> dict:
    body = await payments.execute(STATUS, {"r": [{"__typename": "Order", "id": str(order_id)}]}, bearer(2, ADMIN))
    return body["data"]["_entities"][0]


async def test_pay_an_order_once(payments):
    body = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(1))
    payment = body["data"]["payOrder"]
    total = seeddata.orders()[UNPAID - 1].total
    assert payment["status"] == "SUCCEEDED" and payment["provider"] == "offline"
    assert payment["amount"] == {"amount": total, "currency": "USD"}
    twice = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(1))
    assert twice["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert await _status(payments, UNPAID) == {"paymentStatus": "PAID", "payments": [{"status": "SUCCEEDED"}]}
    assert await outbox(payments.db) == [("payment.succeeded", {
        "version": 1, "payment_id": int(payment["id"]), "order_id": UNPAID, "amount": total, "currency": "USD",
        "provider": "offline"})]


async def test_declined_card_records_a_failed_payment_then_retry_succeeds(payments):
    body = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_chargeDeclined"}, bearer(1))
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "CARD_DECLINED"
    assert body["errors"][0]["message"] == "Your card was declined."
    assert await _status(payments, UNPAID) == {"paymentStatus": "UNPAID", "payments": [{"status": "FAILED"}]}
    failed_id = int(body["errors"][0]["extensions"]["paymentId"])
    assert await outbox(payments.db) == [("payment.failed", {
        "version": 1, "payment_id": failed_id, "order_id": UNPAID, "reason": "Your card was declined."})]
    body = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(1))
    assert body["data"]["payOrder"]["status"] == "SUCCEEDED"
    assert [t for t, _ in await outbox(payments.db)] == ["payment.failed", "payment.succeeded"]


async def test_only_an_order_awaiting_payment_and_not_closed_is_paid(payments):
    paid = next(o for o in seeddata.orders() if o.status == "PAID")
    body = await payments.execute(PAY, {"o": str(paid.id), "m": "pm_card_visa"}, bearer(2, ADMIN))
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "only an order awaiting payment can be paid" in body["errors"][0]["message"]
    await events().handlers(payments.client.app)["order.cancelled"](cancelled(UNPAID))
    before = await state(payments.db)
    closed = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(1))
    assert closed["errors"][0] == {**closed["errors"][0], "message": f"Order {UNPAID} is closed (cancelled or expired) "
                                   "and cannot be paid", "extensions": {"code": "CONFLICT"}}
    assert await state(payments.db) == before


async def test_unknown_payment_methods_are_refused_before_any_payment(payments):
    for method in ("card_visa", "paypal", "x" * 101):
        body = await payments.execute(PAY, {"o": str(UNPAID), "m": method}, bearer(1))
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", method
    assert await _status(payments, UNPAID) == {"paymentStatus": "UNPAID", "payments": []}


async def test_refusals_write_nothing(payments):
    someone_else = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(7))
    assert someone_else["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    cancelled = next(o for o in seeddata.orders() if o.status == "CANCELLED")
    body = await payments.execute(PAY, {"o": str(cancelled.id), "m": "pm_card_visa"}, bearer(2, ADMIN))
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    unknown = await payments.execute(PAY, {"o": "987654", "m": "pm_card_visa"}, bearer(2, ADMIN))
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    anonymous = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await _status(payments, UNPAID) == {"paymentStatus": "UNPAID", "payments": []}


async def test_stripe_charge_and_refund_carry_idempotency_keys(stripe_payments):
    payments, stripe = stripe_payments
    body = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(1))
    payment = body["data"]["payOrder"]
    assert payment["provider"] == "stripe" and payment["status"] == "SUCCEEDED"
    [intent] = stripe.intents.values()
    assert intent["amount"] == seeddata.orders()[UNPAID - 1].total and intent["currency"] == "usd"
    assert intent["metadata"] == {"graft_payment_id": payment["id"]}
    assert stripe.requests == [("POST /v1/payment_intents", f"graft-pay-{payment['id']}")]
    refund = await payments.execute(REFUND, {"id": payment["id"]}, bearer(2, ADMIN))
    assert refund["data"]["refundPayment"]["status"] == "REFUNDED"
    assert stripe.refunds[0]["payment_intent"] == intent["id"]
    assert stripe.requests[-1][1].startswith("graft-refund-")


async def test_stripe_lost_response_is_retried_without_charging_twice(stripe_payments):
    payments, stripe = stripe_payments
    stripe.drop_responses = 1
    body = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_visa"}, bearer(1))
    assert body["data"]["payOrder"]["status"] == "SUCCEEDED"
    assert len(stripe.requests) == 2 and stripe.requests[0] == stripe.requests[1]
    assert len(stripe.intents) == 1 and len(stripe.charges) == 1


async def test_stripe_decline_is_a_clear_error(stripe_payments):
    payments, stripe = stripe_payments
    body = await payments.execute(PAY, {"o": str(UNPAID), "m": "pm_card_chargeDeclined"}, bearer(1))
    assert body["errors"][0]["extensions"]["code"] == "CARD_DECLINED"
    assert "declined" in body["errors"][0]["message"] and stripe.charges == {}


@pytest.mark.parametrize("params", mutation_over_get(
    f'mutation {{ payOrder(orderId: "{UNPAID}", paymentMethod: "pm_card_visa") {{ id }} }}'))
async def test_get_refuses_a_mutation_and_charges_nothing(payments, params):
    headers, _ = await payments.get(params, bearer(1), status=405)
    assert headers["Allow"] == "POST"
    assert await _status(payments, UNPAID) == {"paymentStatus": "UNPAID", "payments": []}
