"""payOrder and refundPayment. Every provider call carries a key derived from our own row,
so a retry (by the SDK, or the client calling payOrder again) never charges twice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from subgraphs.common.db import Database, rows_matched
from subgraphs.common.errors import BAD_USER_INPUT, CONFLICT, NOT_FOUND, graphql_error
from subgraphs.common.identity import Identity, require_owner
from subgraphs.common.peers import Peer
from subgraphs.payments.models import Payment, Refund
from subgraphs.payments.providers import PaymentProvider, ProviderError

ORDER = """query Order($id: ID!) {
  orderForPayment(id: $id) { id status buyer { id } total { amount currency } }
}"""


@dataclass(frozen=True)
class Orders:
    """The orders subgraph, asked as the payments service (orders:pay): it answers for any
    order, so whether the caller may pay it is checked here."""

    peer: Peer

    async def order(self, order_id: int) -> dict:
        data = await self.peer.execute(ORDER, {"id": str(order_id)})
        if data.get("orderForPayment") is None:
            raise graphql_error(f"Unknown order {order_id}", NOT_FOUND)
        return data["orderForPayment"]


async def pay_order(db: Database, provider: PaymentProvider, orders: Orders, payer: Identity, order_id: int,
                    method: str) -> Payment:
    """Only the order's buyer (or an admin) pays it."""
    order = await orders.order(order_id)
    require_owner(payer, int(order["buyer"]["id"]), "orders")
    if order["status"] == "CANCELLED":
        raise graphql_error(f"Order {order_id} is cancelled", CONFLICT)
    payment = await _live_payment(db, order_id) or await _new_payment(db, provider, order_id, order)
    if payment.status == "SUCCEEDED":
        raise graphql_error(f"Order {order_id} is already paid", CONFLICT)
    return await _charge(db, provider, payment, method)


async def _live_payment(db: Database, order_id: int) -> Payment | None:
    async with db.session() as session:
        return await session.scalar(select(Payment).where(Payment.live_order_id == order_id))


async def _new_payment(db: Database, provider: PaymentProvider, order_id: int, order: dict) -> Payment:
    payment = Payment(
        order_id=order_id, buyer_id=int(order["buyer"]["id"]), amount=order["total"]["amount"],
        currency=order["total"]["currency"], status="PENDING", provider=provider.name, live_order_id=order_id,
    )
    try:
        async with db.session() as session, session.begin():
            session.add(payment)
    except IntegrityError:
        # another request started paying this order a moment ago: continue with that one
        if (live := await _live_payment(db, order_id)) is None:
            raise
        return live
    return payment


async def _charge(db: Database, provider: PaymentProvider, payment: Payment, method: str) -> Payment:
    try:
        charge = await provider.charge(
            amount=payment.amount, currency=payment.currency, payment_method=method,
            idempotency_key=f"graft-pay-{payment.id}", description=f"Graft order {payment.order_id}",
        )
    except ProviderError as exc:
        if not exc.retryable:  # a decline is final: free the order for another attempt
            await _set(db, payment, status="FAILED", live_order_id=None)
        raise graphql_error(str(exc), exc.code, paymentId=str(payment.id)) from None
    await _set(db, payment, status="SUCCEEDED", provider_ref=charge.reference)
    return payment


async def _set(db: Database, payment: Payment, **values: object) -> None:
    async with db.session() as session, session.begin():
        await session.execute(update(Payment).where(Payment.id == payment.id).values(**values)
                              .execution_options(synchronize_session=False))
    for name, value in values.items():
        setattr(payment, name, value)


async def refund_payment(db: Database, provider: PaymentProvider, payment_id: int, amount: dict | None) -> Payment:
    async with db.session() as session:
        payment = await session.get(Payment, payment_id)
    if payment is None:
        raise graphql_error(f"Unknown payment {payment_id}", NOT_FOUND)
    if payment.status not in ("SUCCEEDED", "PARTIALLY_REFUNDED"):
        raise graphql_error(f"Payment {payment_id} is {payment.status} and cannot be refunded", CONFLICT)
    remaining = payment.amount - payment.refunded
    value = remaining if amount is None else amount["amount"]
    if amount is not None and amount.get("currency", payment.currency) != payment.currency:
        raise graphql_error(f"Refund must be in {payment.currency}", BAD_USER_INPUT)
    if not 1 <= value <= remaining:
        raise graphql_error(f"Refund must be between 1 and the {remaining} that remains", BAD_USER_INPUT)
    refund = await _reserve_refund(db, payment, value)
    try:
        charge = await provider.refund(charge_reference=payment.provider_ref or "", amount=value,
                                       idempotency_key=f"graft-refund-{refund.id}")
    except ProviderError as exc:
        await _undo_refund(db, payment, refund)
        raise graphql_error(str(exc), exc.code) from None
    async with db.session() as session, session.begin():
        await session.execute(update(Refund).where(Refund.id == refund.id).values(provider_ref=charge.reference))
        fresh = await session.get_one(Payment, payment_id)  # read above; payments are never deleted
        fresh.status = "REFUNDED" if fresh.refunded == fresh.amount else "PARTIALLY_REFUNDED"
        if fresh.status == "REFUNDED":
            fresh.live_order_id = None
    return fresh


async def _reserve_refund(db: Database, payment: Payment, value: int) -> Refund:
    """One conditional UPDATE: concurrent refunds can never add up to more than was paid."""
    async with db.session() as session, session.begin():
        reserved = await rows_matched(session, (
            update(Payment).where(Payment.id == payment.id, Payment.refunded + value <= Payment.amount)
            .values(refunded=Payment.refunded + value).execution_options(synchronize_session=False)
        ))
        if reserved != 1:
            raise graphql_error("Refund exceeds what remains of the payment", BAD_USER_INPUT)
        refund = Refund(payment_id=payment.id, amount=value)
        session.add(refund)
    return refund


async def _undo_refund(db: Database, payment: Payment, refund: Refund) -> None:
    async with db.session() as session, session.begin():
        await session.execute(update(Payment).where(Payment.id == payment.id)
                              .values(refunded=Payment.refunded - refund.amount))
        await session.delete(await session.get_one(Refund, refund.id))
