"""What the payments tests read back: the outbox, the tables' state, events to hand to handlers."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.events import Event
from subgraphs.common.events.envelope import OrderCancelled, OrderExpired, OrderRefundRequested
from subgraphs.common.events.store import OutboxEvent, ProcessedEvent
from subgraphs.payments.models import OfflineIntent, OfflineRefund, OrderGate, Payment, Refund, WebhookEvent

PAY = ("mutation($o: ID!, $m: String!) { payOrder(orderId: $o, paymentMethod: $m) { id status provider "
       "failureMessage nextAction { type redirectUrl } amount { amount currency } order { id } } }")
PAYMENT = ("query($id: ID!) { payment(id: $id) { id status failureMessage nextAction { type redirectUrl } "
           "refunds { amount { amount } status } } }")
REFUND = "mutation($id: ID!, $amount: MoneyInput) { refundPayment(id: $id, amount: $amount) { id status } }"


async def outbox(db: Database, *types: str) -> list[tuple[str, dict[str, Any]]]:
    """The events published so far, oldest first, as (type, payload)."""
    async with db.session() as session:
        rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))
        events = [(row.type, orjson.loads(row.payload)) for row in rows]
    return [e for e in events if not types or e[0] in types]


async def state(db: Database) -> dict[str, list[tuple]]:
    """Every table payments writes, as comparable rows: equal before and after means nothing changed."""
    tables = {
        "payments": (Payment, (Payment.id, Payment.status, Payment.refunded, Payment.refunded_settled,
                               Payment.provider_ref, Payment.live_order_id)),
        "refunds": (Refund, (Refund.id, Refund.payment_id, Refund.amount, Refund.status)),
        "webhooks": (WebhookEvent, (WebhookEvent.provider, WebhookEvent.event_id)),
        "gates": (OrderGate, (OrderGate.order_id, OrderGate.closed_at)),
        "outbox": (OutboxEvent, (OutboxEvent.event_id,)),
        "processed": (ProcessedEvent, (ProcessedEvent.event_id,)),
        "offline_intents": (OfflineIntent, (OfflineIntent.id, OfflineIntent.status, OfflineIntent.refunded)),
        "offline_refunds": (OfflineRefund, (OfflineRefund.id,)),
    }
    out = {}
    async with db.session() as session:
        for name, (_, columns) in tables.items():
            out[name] = [tuple(row) for row in await session.execute(select(*columns).order_by(*columns[:1]))]
    return out


async def payment_row(db: Database, payment_id: int | str) -> Payment:
    async with db.session() as session:
        return await session.get_one(Payment, int(payment_id))


async def refunds_of(db: Database, payment_id: int | str) -> list[Refund]:
    async with db.session() as session:
        return list(await session.scalars(select(Refund).where(Refund.payment_id == int(payment_id))
                                          .order_by(Refund.id)))


def cancelled(order_id: int, was_paid: bool = False) -> Event:
    return Event.new("orders", OrderCancelled(order_id=order_id, reservation_id=None, reason="customer",
                                              was_paid=was_paid))


def expired(order_id: int) -> Event:
    return Event.new("orders", OrderExpired(order_id=order_id, reservation_id=None))


def refund_requested(order_id: int, payment_id: int) -> Event:
    return Event.new("orders", OrderRefundRequested(order_id=order_id, payment_id=payment_id))
