"""Applying what a provider says about a payment (its answer to payOrder, a webhook, a
reconciliation), the same way whoever learns it.

The order's gate (gates.py) is held while the answer is recorded, so a payment that succeeds on an
order already closed (cancelled, expired) is refunded at once, and one that awaits the payer on a
closed order is cancelled at once. Those provider calls happen after the commit (`FollowUps`); a
crash before them leaves a pending refund for the sweeper, or a payment under way on a closed
order for reconciliation, so nothing is lost."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.db import Database
from subgraphs.payments import gates, refunding, states
from subgraphs.payments.models import Payment
from subgraphs.payments.providers import Attempt, IntentStatus, ProviderError, Providers
from subgraphs.payments.states import Status

log = logging.getLogger("graft.payments.outcomes")

TARGETS = {
    IntentStatus.SUCCEEDED: Status.SUCCEEDED,
    IntentStatus.REQUIRES_ACTION: Status.REQUIRES_ACTION,
    IntentStatus.PROCESSING: Status.PROCESSING,
    IntentStatus.FAILED: Status.FAILED,
    IntentStatus.CANCELED: Status.CANCELED,
}


@dataclass
class FollowUps:
    """Provider calls to make once the transaction that decided them has committed."""

    refunds: list[int] = field(default_factory=list)  # pending refunds to make
    cancels: list[int] = field(default_factory=list)  # payments under way to cancel

    def add(self, other: FollowUps) -> FollowUps:
        self.refunds += other.refunds
        self.cancels += other.cancels
        return self


async def record(session: AsyncSession, payment: Payment, attempt: Attempt) -> FollowUps:
    """Record the provider's answer in the caller's transaction (holding the order's gate)."""
    target = TARGETS[attempt.status]
    closed = await gates.lock(session, payment.order_id)
    current = await session.scalar(select(Payment.status).where(Payment.id == payment.id))
    late = target is Status.SUCCEEDED and current in (Status.FAILED, Status.CANCELED)
    values: dict[str, object] = {}
    if attempt.reference:
        values["provider_ref"] = attempt.reference
    if target is Status.REQUIRES_ACTION:
        values["next_action_url"] = attempt.redirect_url
    if target is Status.FAILED:
        values["failure_message"] = (attempt.failure_message or "The payment failed.")[:300]
    follow = FollowUps()
    if not await states.move(session, payment, target, values):
        return follow  # already there, or moved on: whoever moved it did what follows
    if target is Status.SUCCEEDED and (closed or late):
        # the money came for an order that no longer takes it, or for an attempt we had given up
        log.warning("payment %d succeeded after its order %d was closed or it was abandoned: refunding it",
                    payment.id, payment.order_id)
        if (refund := await refunding.reserve(session, payment)) is not None:
            follow.refunds.append(refund.id)
    elif target in (Status.REQUIRES_ACTION, Status.PROCESSING) and closed:
        follow.cancels.append(payment.id)
    return follow


async def apply(db: Database, providers: Providers, payment: Payment, attempt: Attempt) -> None:
    """Record the answer in a transaction of its own, then make the provider calls it calls for."""
    async with db.session() as session, session.begin():
        follow = await record(session, payment, attempt)
    await run(db, providers, follow)


async def cancel(db: Database, providers: Providers, payment_id: int) -> FollowUps:
    """Cancel a payment under way at its provider and record how it ends (CANCELED, or
    SUCCEEDED when it was too late: then it is refunded)."""
    async with db.session() as session:
        payment = await session.get(Payment, payment_id)
    if payment is None or payment.status not in states.UNDER_WAY or not payment.provider_ref:
        return FollowUps()
    provider = providers.get(payment.provider)
    if provider is None:
        log.error("payment %d: provider %s is not configured; cannot cancel it", payment.id, payment.provider)
        return FollowUps()
    attempt = await provider.cancel(payment.provider_ref)
    async with db.session() as session, session.begin():
        return await record(session, payment, attempt)


async def run(db: Database, providers: Providers, follow: FollowUps) -> None:
    """Make the follow-up calls; failures are logged (the sweeper and reconciliation retry)."""
    while follow.refunds or follow.cancels:
        refunds, cancels = follow.refunds, follow.cancels
        follow = FollowUps()
        await refunding.execute_quietly(db, providers, refunds)
        for payment_id in cancels:
            try:
                follow.add(await cancel(db, providers, payment_id))
            except ProviderError as exc:
                log.warning("payment %d could not be cancelled now: %s", payment_id, exc)
            except Exception:
                log.exception("payment %d could not be cancelled now", payment_id)
