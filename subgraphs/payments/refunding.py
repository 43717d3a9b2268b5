"""Refunds: reserved in our database first (a `pending` Refund row and the payment's `refunded`
raised by one conditional UPDATE, so concurrent refunds never add up to more than was paid), then
asked of the payment's provider with the idempotency key `graft-refund-<refund id>`, then settled:
the payment moves to PARTIALLY_REFUNDED or REFUNDED and payment.refunded is published, in one
transaction. A refund whose provider call was lost (a crash, the provider down) stays pending and
the refund sweeper (a job) asks again with the same key, so it is made once."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from subgraphs.common.db import Database, rows_matched
from subgraphs.common.errors import BAD_USER_INPUT, NOT_FOUND, graphql_error
from subgraphs.common.events import publish
from subgraphs.common.events.envelope import PaymentRefunded
from subgraphs.payments import states
from subgraphs.payments.models import Payment, Refund, now
from subgraphs.payments.providers import Providers, ProviderError
from subgraphs.payments.states import SOURCE, Status

log = logging.getLogger("graft.payments.refunds")

LEASE = timedelta(seconds=60)  # how long a caller of the provider holds a pending refund


def key(refund_id: int) -> str:
    return f"graft-refund-{refund_id}"


async def reserve(session: AsyncSession, payment: Payment, amount: int | None = None) -> Refund | None:
    """Reserve `amount` (None: all that remains) of a SUCCEEDED or PARTIALLY_REFUNDED payment as a
    pending refund, in the caller's transaction. None when nothing remains or the payment cannot
    be refunded now."""
    for _ in range(5):
        seen = await session.scalar(select(Payment.refunded).where(Payment.id == payment.id))
        if seen is None:
            return None
        value = payment.amount - seen if amount is None else amount
        if value <= 0 or seen + value > payment.amount:
            return None
        taken = await rows_matched(session, update(Payment).where(
            Payment.id == payment.id, Payment.refunded == seen,
            Payment.status.in_([s.value for s in states.REFUNDABLE]),
        ).values(refunded=seen + value).execution_options(synchronize_session=False))
        if taken == 1:
            set_committed_value(payment, "refunded", seen + value)
            refund = Refund(payment_id=payment.id, amount=value, status="pending", source="graft",
                            claimed_until=now() + LEASE)
            session.add(refund)
            await session.flush()
            return refund
        if await session.scalar(select(Payment.status).where(Payment.id == payment.id)) not in states.REFUNDABLE:
            return None
    return None  # others keep refunding the same payment: theirs will do


async def settle(session: AsyncSession, refund: Refund, payment: Payment, provider_ref: str | None) -> bool:
    """The provider made `refund` (pending): mark it, move the payment and publish payment.refunded,
    in the caller's transaction. False when another writer settled it first."""
    won = await rows_matched(session, update(Refund).where(Refund.id == refund.id, Refund.status == "pending")
                             .values(status="succeeded", provider_ref=provider_ref, claimed_until=None))
    if won != 1:
        return False
    await _settled(session, refund, payment)
    return True


async def _settled(session: AsyncSession, refund: Refund, payment: Payment) -> None:
    await session.execute(update(Payment).where(Payment.id == payment.id).values(
        refunded_settled=Payment.refunded_settled + refund.amount, updated_at=now(),
    ).execution_options(synchronize_session=False))  # holds the payment's row: settlements publish in turn
    settled = await session.scalar(select(Payment.refunded_settled).where(Payment.id == payment.id)) or 0
    set_committed_value(payment, "refunded_settled", settled)
    target = Status.REFUNDED if settled >= payment.amount else Status.PARTIALLY_REFUNDED
    await states.move(session, payment, target)  # a DISPUTED payment keeps its status
    publish(session, SOURCE, PaymentRefunded(
        payment_id=payment.id, order_id=payment.order_id, refund_id=refund.id, amount=refund.amount,
        refunded=settled, payment_amount=payment.amount, currency=payment.currency,
    ))


async def record_external(session: AsyncSession, payment: Payment, refunded_total: int,
                          provider_ref: str | None) -> Refund | None:
    """The provider reports `refunded_total` refunded of the payment so far, some of it made outside
    Graft (Stripe's dashboard): record what we did not reserve ourselves as a settled refund."""
    for _ in range(5):
        seen = await session.scalar(select(Payment.refunded).where(Payment.id == payment.id)) or 0
        value = min(refunded_total, payment.amount) - seen
        if value <= 0:
            return None
        taken = await rows_matched(session, update(Payment).where(Payment.id == payment.id, Payment.refunded == seen)
                                   .values(refunded=seen + value).execution_options(synchronize_session=False))
        if taken == 1:
            set_committed_value(payment, "refunded", seen + value)
            refund = Refund(payment_id=payment.id, amount=value, status="succeeded", source="provider",
                            provider_ref=provider_ref)
            session.add(refund)
            await session.flush()
            await _settled(session, refund, payment)
            return refund
    raise RuntimeError(f"payment {payment.id} kept changing while recording an outside refund")


async def execute(db: Database, providers: Providers, refund_id: int) -> str:
    """Ask the provider for a pending refund; 'succeeded', 'failed' (refused: the reservation is
    released) or 'pending' (the provider could not be reached: the sweeper asks again)."""
    async with db.session() as session:
        refund = await session.get(Refund, refund_id)
        payment = await session.get(Payment, refund.payment_id) if refund is not None else None
    if refund is None or payment is None or refund.status != "pending":
        return refund.status if refund is not None else "failed"
    provider = providers.get(payment.provider)
    try:
        if provider is None:
            raise ProviderError(f"The {payment.provider} provider is not configured.", "PROVIDER_UNAVAILABLE",
                                retryable=True)
        result = await provider.refund(reference=payment.provider_ref or "", amount=refund.amount,
                                       currency=payment.currency, idempotency_key=key(refund.id))
    except ProviderError as exc:
        if exc.retryable:
            async with db.session() as session, session.begin():
                await session.execute(update(Refund).where(Refund.id == refund.id, Refund.status == "pending")
                                      .values(attempts=Refund.attempts + 1, claimed_until=now() + LEASE))
            log.warning("refund %d of payment %d is pending: %s", refund.id, payment.id, exc)
            return "pending"
        await _fail(db, refund, payment, str(exc))
        raise
    async with db.session() as session, session.begin():
        await settle(session, refund, payment, result.reference)
    return "succeeded"


async def _fail(db: Database, refund: Refund, payment: Payment, reason: str) -> None:
    async with db.session() as session, session.begin():
        failed = await rows_matched(session, update(Refund).where(Refund.id == refund.id, Refund.status == "pending")
                                    .values(status="failed", claimed_until=None))
        if failed == 1:
            await session.execute(update(Payment).where(Payment.id == payment.id)
                                  .values(refunded=Payment.refunded - refund.amount))
    log.warning("refund %d of payment %d refused by %s: %s", refund.id, payment.id, payment.provider, reason)


async def execute_quietly(db: Database, providers: Providers, refund_ids: list[int]) -> None:
    """For work after a commit (a handler, a webhook): failures are logged, the sweeper retries."""
    for refund_id in refund_ids:
        try:
            await execute(db, providers, refund_id)
        except ProviderError:
            pass  # refused: logged and released by execute
        except Exception:  # the refund stays pending; the sweeper asks again
            log.exception("refund %d could not be made now", refund_id)


async def sweep(db: Database, providers: Providers, batch: int) -> int:
    """Pending refunds nobody holds (their caller crashed, or the provider was down): claim each
    with a conditional UPDATE (so one replica takes it) and ask the provider again."""
    async with db.session() as session:
        due = list(await session.scalars(select(Refund.id).where(
            Refund.status == "pending", or_(Refund.claimed_until.is_(None), Refund.claimed_until < now()),
        ).order_by(Refund.id).limit(batch)))
    handled = 0
    for refund_id in due:
        async with db.session() as session, session.begin():
            claimed = await rows_matched(session, update(Refund).where(
                Refund.id == refund_id, Refund.status == "pending",
                or_(Refund.claimed_until.is_(None), Refund.claimed_until < now()),
            ).values(claimed_until=now() + LEASE))
        if claimed == 1:
            await execute_quietly(db, providers, [refund_id])
            handled += 1
    return handled


async def refund_payment(db: Database, providers: Providers, payment_id: int, money: dict | None) -> Payment:
    """refundPayment: reserve, ask the provider, settle; the refreshed payment. `money` is the
    MoneyInput (None: all that remains)."""
    async with db.session() as session, session.begin():
        payment = await session.get(Payment, payment_id)
        if payment is None:
            raise graphql_error(f"Unknown payment {payment_id}", NOT_FOUND)
        if payment.status not in states.REFUNDABLE:
            raise states.refusal(payment_id, payment.status, "refunded")
        if money is not None and money.get("currency", payment.currency) != payment.currency:
            raise graphql_error(f"Refund must be in {payment.currency}", BAD_USER_INPUT)
        amount = None if money is None else money["amount"]
        remaining = payment.amount - payment.refunded
        if amount is not None and not 1 <= amount <= remaining:
            raise graphql_error(f"Refund must be between 1 and the {remaining} that remains", BAD_USER_INPUT)
        refund = await reserve(session, payment, amount)
        if refund is None:
            raise graphql_error("Refund exceeds what remains of the payment", BAD_USER_INPUT)
    try:
        outcome = await execute(db, providers, refund.id)
    except ProviderError as exc:
        raise graphql_error(str(exc), exc.code) from None
    if outcome == "pending":
        raise graphql_error("The payment provider is unavailable; the refund is pending and will be retried",
                            "PROVIDER_UNAVAILABLE", refundId=str(refund.id))
    async with db.session() as session:
        return await session.get_one(Payment, payment_id)
