"""The domain events payments consumes: an order closed before or after it was paid
(order.cancelled, order.expired) and a payment its order could no longer take
(order.refund_requested). Each is applied once (`applying` records it in the transaction of its
effect); the provider calls it decides on come after that commit, with keys made from our rows,
so a redelivery or a crash never refunds twice (a refund left pending is made by the sweeper)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.events import Event, applying
from subgraphs.common.events.envelope import OrderCancelled, OrderRefundRequested
from subgraphs.common.events.service import Handler
from subgraphs.payments import gates, outcomes, refunding, states
from subgraphs.payments.models import Payment
from subgraphs.payments.providers import Providers
from subgraphs.payments.states import Status

log = logging.getLogger("graft.payments.consumers")


async def order_closed(db: Database, providers: Providers, event: Event) -> None:
    """order.cancelled / order.expired: close the order here (payOrder refuses it from now on),
    refund all that remains of every payment that took money, cancel every payment under way."""
    data = event.data()
    assert isinstance(data, OrderCancelled)  # OrderExpired is one too
    follow = outcomes.FollowUps()
    async with applying(db, event) as session:
        await gates.close(session, data.order_id, data.reason)
        payments = await session.scalars(select(Payment).where(Payment.order_id == data.order_id)
                                         .order_by(Payment.id))
        for payment in payments.all():
            if payment.status in states.REFUNDABLE:
                if (refund := await refunding.reserve(session, payment)) is not None:
                    follow.refunds.append(refund.id)
            elif payment.status in (Status.REQUIRES_ACTION, Status.PROCESSING):
                follow.cancels.append(payment.id)
            elif payment.status == Status.DISPUTED:
                log.warning("order %d closed with payment %d disputed: left to the dispute", data.order_id, payment.id)
            # PENDING: its payOrder is talking to the provider now and will find the order closed
    await outcomes.run(db, providers, follow)


async def refund_requested(db: Database, providers: Providers, event: Event) -> None:
    """order.refund_requested: the payment succeeded for an order that could no longer take it."""
    data = event.data()
    assert isinstance(data, OrderRefundRequested)
    follow = outcomes.FollowUps()
    async with applying(db, event) as session:
        await gates.close(session, data.order_id, "refund_requested")
        payment = await session.get(Payment, data.payment_id)
        if payment is not None and payment.order_id == data.order_id and payment.status in states.REFUNDABLE:
            if (refund := await refunding.reserve(session, payment)) is not None:
                follow.refunds.append(refund.id)
    await outcomes.run(db, providers, follow)


def handlers(db: Database, providers: Callable[[], Providers]) -> dict[str, Handler]:
    """The handler of each event type payments consumes; `providers` is read when an event comes."""
    async def closed(event: Event) -> None:
        await order_closed(db, providers(), event)

    async def refund(event: Event) -> None:
        await refund_requested(db, providers(), event)

    return {"order.cancelled": closed, "order.expired": closed, "order.refund_requested": refund}
