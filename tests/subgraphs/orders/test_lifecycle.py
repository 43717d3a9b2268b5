"""The order state machine and what orders does on payments' events, on real databases: each
handler called with an event as the relay would deliver it."""

import pytest
from sqlalchemy import select

from subgraphs.common.events import AlreadyApplied, Event
from subgraphs.common.events.envelope import PaymentRefunded, PaymentSucceeded
from subgraphs.common.events.store import OutboxEvent, ProcessedEvent
from subgraphs.orders import events, lifecycle
from subgraphs.orders.models import Order
from tests.support.apps import ADMIN, bearer

PLACE = "mutation($items: [OrderItemInput!]!) { placeOrder(items: $items) { id status total { amount } expiresAt } }"
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status cancellationReason } }"
FULFIL = 'mutation($id: ID!) { fulfilOrder(id: $id) { status } }'
SHIP = 'mutation($id: ID!) { shipOrder(id: $id, carrier: "DHL", trackingNumber: "JD0123") { status shipment { carrier trackingNumber } } }'
DELIVER = 'mutation($id: ID!) { deliverOrder(id: $id) { status deliveredAt } }'
STATUS = 'query($id: ID!) { order(id: $id) { status refunded { amount } } }'
FULFILMENT = ("orders:fulfil",)


async def _place(orders, product: str = "40") -> tuple[int, int]:
    body = await orders.execute(PLACE, {"items": [{"productId": product, "quantity": 1}]}, bearer(1))
    order = body["data"]["placeOrder"]
    assert order["status"] == "PENDING_PAYMENT" and order["expiresAt"], body
    return int(order["id"]), order["total"]["amount"]


async def _outbox(orders, order_id: int) -> list[str]:
    async with orders.db.session() as session:
        rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))
        return [row.type for row in rows if row.event().payload.get("order_id") == order_id]


def _succeeded(order_id: int, payment_id: int, amount: int) -> Event:
    return Event.new("payments", PaymentSucceeded(payment_id=payment_id, order_id=order_id, amount=amount,
                                                  currency="USD", provider="offline"))


def _refunded(order_id: int, payment_id: int, amount: int, refunded: int, total: int) -> Event:
    return Event.new("payments", PaymentRefunded(payment_id=payment_id, order_id=order_id, refund_id=1, amount=amount,
                                                 refunded=refunded, payment_amount=total, currency="USD"))


async def _status(orders, order_id: int) -> dict:
    return (await orders.execute(STATUS, {"id": str(order_id)}, bearer(1)))["data"]["order"]


async def test_paid_fulfilled_shipped_delivered_each_once(orders):
    order_id, total = await _place(orders)
    paid = _succeeded(order_id, 9001, total)
    await events.on_payment_succeeded(orders.db, paid)
    with pytest.raises(AlreadyApplied):
        await events.on_payment_succeeded(orders.db, paid)
    async with orders.db.session() as session:
        assert (await session.get(ProcessedEvent, paid.id)).duplicates == 1
    assert (await _status(orders, order_id))["status"] == "PAID"

    partner = bearer("swift-fulfilment", FULFILMENT)
    early = await orders.execute(DELIVER, {"id": str(order_id)}, partner)
    assert early["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "is PAID; only a SHIPPED order can be delivered" in early["errors"][0]["message"]
    shopper = await orders.execute(FULFIL, {"id": str(order_id)}, bearer(1))
    assert shopper["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await orders.execute(FULFIL, {"id": str(order_id)}, partner))["data"]["fulfilOrder"]["status"] == "FULFILLED"
    shipped = (await orders.execute(SHIP, {"id": str(order_id)}, partner))["data"]["shipOrder"]
    assert shipped == {"status": "SHIPPED", "shipment": {"carrier": "DHL", "trackingNumber": "JD0123"}}
    assert (await orders.execute(DELIVER, {"id": str(order_id)}, partner))["data"]["deliverOrder"]["status"] == "DELIVERED"
    cancel = await orders.execute(CANCEL, {"id": str(order_id)}, bearer(1))
    assert cancel["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert await _outbox(orders, order_id) == ["order.placed", "order.paid", "order.fulfilled", "order.shipped",
                                               "order.delivered"]


async def test_a_payment_for_a_cancelled_order_is_sent_back(orders):
    order_id, total = await _place(orders)
    assert (await orders.execute(CANCEL, {"id": str(order_id)}, bearer(1)))["data"]["cancelOrder"] == {
        "id": str(order_id), "status": "CANCELLED", "cancellationReason": "CUSTOMER"}
    await events.on_payment_succeeded(orders.db, _succeeded(order_id, 9002, total))
    assert (await _status(orders, order_id))["status"] == "CANCELLED"
    await events.on_payment_refunded(orders.db, _refunded(order_id, 9002, total, total, total))
    assert await _status(orders, order_id) == {"status": "REFUNDED", "refunded": {"amount": total}}
    assert await _outbox(orders, order_id) == ["order.placed", "order.cancelled", "order.refund_requested",
                                               "order.refunded"]


async def test_partial_then_full_refund(orders):
    order_id, total = await _place(orders)
    await events.on_payment_succeeded(orders.db, _succeeded(order_id, 9003, total))
    await events.on_payment_refunded(orders.db, _refunded(order_id, 9003, 100, 100, total))
    assert await _status(orders, order_id) == {"status": "PARTIALLY_REFUNDED", "refunded": {"amount": 100}}
    # a second payment for the same order (paid twice) is refunded without touching the order
    await events.on_payment_succeeded(orders.db, _succeeded(order_id, 9004, total))
    await events.on_payment_refunded(orders.db, _refunded(order_id, 9004, total, total, total))
    assert (await _status(orders, order_id))["status"] == "PARTIALLY_REFUNDED"
    await events.on_payment_refunded(orders.db, _refunded(order_id, 9003, total - 100, total, total))
    assert await _status(orders, order_id) == {"status": "REFUNDED", "refunded": {"amount": total}}


async def test_cancelling_a_paid_order_says_it_was_paid(orders):
    order_id, total = await _place(orders)
    await events.on_payment_succeeded(orders.db, _succeeded(order_id, 9005, total))
    by_admin = await orders.execute(CANCEL, {"id": str(order_id)}, bearer(2, ADMIN))
    assert by_admin["data"]["cancelOrder"]["cancellationReason"] == "ADMIN"
    async with orders.db.session() as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "order.cancelled"))
        cancelled = [r.event().payload for r in rows if r.event().payload["order_id"] == order_id]
    assert cancelled[0]["was_paid"] is True and cancelled[0]["reason"] == "admin"


async def test_unpaid_orders_expire_once(orders):
    order_id, _ = await _place(orders)
    paid_id, total = await _place(orders)
    await events.on_payment_succeeded(orders.db, _succeeded(paid_id, 9006, total))
    async with orders.db.session() as session, session.begin():
        for row in await session.scalars(select(Order).where(Order.id.in_([order_id, paid_id]))):
            row.expires_at = row.created_at.replace(year=2000)
    await events.expire_orders(orders.client.app)
    await events.expire_orders(orders.client.app)  # a second replica's round finds nothing
    assert (await _status(orders, order_id))["status"] == "CANCELLED"
    assert (await _status(orders, paid_id))["status"] == "PAID"
    assert (await _outbox(orders, order_id)).count("order.expired") == 1


async def test_every_transition_refuses_the_states_it_may_not_leave(orders):
    order_id, _ = await _place(orders)
    for transition in (lifecycle.FULFIL, lifecycle.SHIP, lifecycle.DELIVER, lifecycle.REFUND_PART,
                       lifecycle.REFUND_ALL):
        async with orders.db.session() as session, session.begin():
            with pytest.raises(lifecycle.InvalidTransition):
                await lifecycle.apply(session, order_id, transition)
    assert (await _status(orders, order_id))["status"] == "PENDING_PAYMENT"
