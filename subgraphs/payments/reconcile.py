"""Reconciliation: payments left under way (PENDING, REQUIRES_ACTION, PROCESSING) longer than
GRAFT_PAYMENTS_RECONCILE_AFTER seconds, because a webhook was lost or a process died mid-call, are
asked of their provider and the answer applied. A payment under way on a closed order is cancelled
instead. Each replica claims a payment with a conditional UPDATE of its lease column before
calling the provider, so two replicas never work on the same payment at once."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select, update

from subgraphs.common.db import Database, rows_matched
from subgraphs.payments import gates, outcomes, paying, states
from subgraphs.payments.models import Payment, now
from subgraphs.payments.providers import ProviderError, Providers, StartRequest
from subgraphs.payments.states import Status

log = logging.getLogger("graft.payments.reconcile")


def age() -> timedelta:
    return timedelta(seconds=float(os.environ.get("GRAFT_PAYMENTS_RECONCILE_AFTER") or 300))


def interval() -> float:
    return float(os.environ.get("GRAFT_PAYMENTS_RECONCILE_INTERVAL") or 60)


def _claimable(cutoff_age: timedelta) -> tuple[ColumnElement[bool], ...]:
    moment = now()
    return (Payment.status.in_([s.value for s in states.UNDER_WAY]), Payment.updated_at <= moment - cutoff_age,
            or_(Payment.lease_until.is_(None), Payment.lease_until < moment))


async def reconcile(db: Database, providers: Providers, older_than: timedelta, batch: int) -> int:
    """One round: how many payments this replica claimed and asked about."""
    async with db.session() as session:
        due = list(await session.scalars(select(Payment.id).where(*_claimable(older_than))
                                         .order_by(Payment.updated_at).limit(batch)))
    handled = 0
    for payment_id in due:
        async with db.session() as session, session.begin():
            claimed = await rows_matched(session, update(Payment).where(Payment.id == payment_id,
                                                                        *_claimable(older_than))
                                         .values(lease_until=now() + max(older_than, timedelta(seconds=30))))
        if claimed != 1:
            continue  # another replica has it
        handled += 1
        try:
            await _reconcile_one(db, providers, payment_id)
        except ProviderError as exc:
            log.warning("payment %d: its provider could not be asked now: %s", payment_id, exc)
    return handled


async def _reconcile_one(db: Database, providers: Providers, payment_id: int) -> None:
    async with db.session() as session:
        payment = await session.get_one(Payment, payment_id)
        closed = await gates.is_closed(session, payment.order_id)
    provider = providers.get(payment.provider)
    if provider is None:
        log.error("payment %d: provider %s is not configured", payment.id, payment.provider)
        return
    if payment.status == Status.PENDING:
        if not payment.payment_method:
            return
        # the same key: the provider answers with the payment it made for it (or makes it now)
        attempt = await provider.start(StartRequest(
            payment_id=payment.id, amount=payment.amount, currency=payment.currency,
            payment_method=payment.payment_method, idempotency_key=paying.start_key(payment.id),
            description=f"Graft order {payment.order_id}"))
    elif payment.provider_ref is None:
        return
    elif closed:
        attempt = await provider.cancel(payment.provider_ref)
    else:
        attempt = await provider.retrieve(payment.provider_ref)
    await outcomes.apply(db, providers, payment, attempt)
