"""What orders does on the payments' events, and the job that expires unpaid orders. Each
handler changes the order through the state machine inside `applying`, so a redelivered event
changes nothing, and publishes what follows in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy import select

from subgraphs.common.app import DATABASE
from subgraphs.common.db import Database
from subgraphs.common.events import Event, applying, publish
from subgraphs.common.events.envelope import (
    OrderExpired, OrderPaid, OrderRefunded, OrderRefundRequested, PaymentRefunded, PaymentSucceeded,
)
from subgraphs.common.events.service import Handler
from subgraphs.common.jobs import Job
from subgraphs.orders import lifecycle
from subgraphs.orders.models import Order

log = logging.getLogger("graft.orders.events")
EXPIRY_BATCH = 100


def handlers(app: web.Application) -> Mapping[str, Handler]:
    db = app[DATABASE]

    async def payment_succeeded(event: Event) -> None:
        await on_payment_succeeded(db, event)

    async def payment_refunded(event: Event) -> None:
        await on_payment_refunded(db, event)

    async def noted(event: Event) -> None:
        """Nothing changes on the order, which is recorded as seen; its payment status did change,
        which the order's subscribers hear of."""
        async with applying(db, event) as session:
            order = await session.get(Order, getattr(event.data(), "order_id", 0))
            if order is not None:
                lifecycle.announce(session, order)

    return {"payment.succeeded": payment_succeeded, "payment.refunded": payment_refunded,
            "payment.failed": noted, "payment.requires_action": noted, "payment.disputed": noted}


async def on_payment_succeeded(db: Database, event: Event) -> None:
    """PENDING_PAYMENT → PAID (order.paid commits the stock). An order that was cancelled or
    expired first, or is already paid by another payment, asks for this payment back."""
    paid = event.data()
    assert isinstance(paid, PaymentSucceeded)
    async with applying(db, event) as session:
        try:
            order = await lifecycle.apply(session, paid.order_id, lifecycle.PAY, payment_id=paid.payment_id)
        except lifecycle.InvalidTransition as refused:
            current = await session.get(Order, paid.order_id)
            if current is None or current.payment_id == paid.payment_id:
                return  # unknown to us, or this payment paid it already
            if current.payment_id is None:
                current.payment_id = paid.payment_id  # the money this order took, to be returned
            log.info("payment %s is not wanted: %s; asking for a refund", paid.payment_id, refused)
            publish(session, lifecycle.SOURCE, OrderRefundRequested(order_id=paid.order_id, payment_id=paid.payment_id))
            return
        publish(session, lifecycle.SOURCE, OrderPaid(order_id=order.id, reservation_id=order.reservation_id,
                                           payment_id=paid.payment_id))


async def on_payment_refunded(db: Database, event: Event) -> None:
    """A refund of the order's payment, in part or in full, moves the order (a cancelled one to
    REFUNDED); a refund of a second payment for an order paid by another leaves it as it is."""
    refund = event.data()
    assert isinstance(refund, PaymentRefunded)
    full = refund.refunded >= refund.payment_amount
    async with applying(db, event) as session:
        order = await session.get(Order, refund.order_id)
        if order is None:
            log.warning("refund for unknown order %s", refund.order_id)
            return
        if order.payment_id not in (None, refund.payment_id):
            log.info("payment %s refunded; order %s was paid by another and stays as it is",
                     refund.payment_id, order.id)
            return
        refunded = refund.refunded
        try:
            order = await lifecycle.apply(session, order.id, lifecycle.REFUND_ALL if full else lifecycle.REFUND_PART,
                                          refunded=refunded, payment_id=refund.payment_id)
        except lifecycle.InvalidTransition as refused:
            log.info("refund of payment %s leaves the order as it is: %s", refund.payment_id, refused)
            return
        publish(session, lifecycle.SOURCE, OrderRefunded(order_id=order.id, refunded=refunded, total=order.total,
                                               currency=order.currency))


async def expire_orders(app: web.Application) -> int:
    """Cancels unpaid orders past their time, each in its own transaction; a replica that races
    us for one loses the conditional update and skips it."""
    db = app[DATABASE]
    now = datetime.now(timezone.utc)
    async with db.session() as session:
        due = list(await session.scalars(
            select(Order.id).where(Order.status == lifecycle.S.PENDING_PAYMENT.value, Order.expires_at.is_not(None),
                                   Order.expires_at < now).order_by(Order.expires_at).limit(EXPIRY_BATCH)))
    for order_id in due:
        async with db.session() as session, session.begin():
            try:
                order = await lifecycle.apply(session, order_id, lifecycle.EXPIRE, cancel_reason="expired")
            except lifecycle.InvalidTransition:
                continue  # paid or cancelled meanwhile, or another replica expired it
            publish(session, lifecycle.SOURCE, OrderExpired(order_id=order.id, reservation_id=order.reservation_id))
        log.info("order %s expired unpaid", order_id)
    return len(due)


def expiry_job(interval: float) -> Job:
    return Job("expire-orders", interval, expire_orders, batch=EXPIRY_BATCH)
