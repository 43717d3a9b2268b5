"""payOrder: open a payment for the order (under the order's gate), start it at the provider the
payment method chooses, record the answer. Every provider call carries a key derived from our own
row, so a retry (by the SDK, or the client calling payOrder again) never charges twice."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError
from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.errors import CONFLICT, NOT_FOUND, graphql_error
from subgraphs.common.identity import Identity, require_owner
from subgraphs.common.peers import Peer
from subgraphs.payments import gates, outcomes, states
from subgraphs.payments.models import Payment
from subgraphs.payments.providers import PaymentProvider, ProviderError, Providers, StartRequest
from subgraphs.payments.states import Status

ORDER = """query Order($id: ID!) {
  orderForPayment(id: $id) { id status buyer { id } total { amount currency } }
}"""

# what orders' orderForPayment answers for an order that can be paid
PAYABLE = ("PENDING_PAYMENT",)
DECLINED = "CARD_DECLINED"


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


def start_key(payment_id: int) -> str:
    return f"graft-pay-{payment_id}"


async def pay_order(db: Database, providers: Providers, orders: Orders, payer: Identity, order_id: int,
                    method: str) -> Payment:
    """Only the order's buyer (or an admin) pays it, only while orders says it awaits payment and
    no order.cancelled / order.expired has closed it here."""
    order = await orders.order(order_id)
    require_owner(payer, int(order["buyer"]["id"]), "orders")
    if order["status"] not in PAYABLE:
        raise graphql_error(f"Order {order_id} is {str(order['status']).lower().replace('_', ' ')}; "
                            "only an order awaiting payment can be paid", CONFLICT)
    try:
        provider = providers.for_method(method)
    except ProviderError as exc:
        raise graphql_error(str(exc), exc.code) from None
    payment = await _open(db, providers, provider, order_id, order, method)
    if payment.status == Status.PENDING:
        await _start(db, providers, provider, payment)
    async with db.session() as session:
        fresh = await session.get_one(Payment, payment.id)
    return _answer(fresh)


async def _open(db: Database, providers: Providers, provider: PaymentProvider, order_id: int, order: dict,
                method: str) -> Payment:
    """The order's payment to go on with: a new PENDING one, or the live one when it is this same
    attempt (PENDING, or awaiting the payer, with this method). A live payment awaiting the payer
    with another method is cancelled first."""
    for _ in range(3):
        async with db.session() as session, session.begin():
            if await gates.lock(session, order_id):
                raise graphql_error(f"Order {order_id} is closed (cancelled or expired) and cannot be paid", CONFLICT)
            live = await session.scalar(select(Payment).where(Payment.live_order_id == order_id))
            if live is None:
                payment = Payment(order_id=order_id, buyer_id=int(order["buyer"]["id"]),
                                  amount=order["total"]["amount"], currency=order["total"]["currency"],
                                  status=Status.PENDING.value, provider=provider.name, payment_method=method,
                                  live_order_id=order_id)
                session.add(payment)
                return payment
        if live.status in states.HOLDS_MONEY or live.status == Status.REFUNDED:
            raise graphql_error(f"Order {order_id} is already paid", CONFLICT, paymentId=str(live.id))
        same = live.payment_method == method and live.provider == provider.name
        if same and live.status in (Status.PENDING, Status.REQUIRES_ACTION):
            return live
        if live.status != Status.REQUIRES_ACTION:
            raise graphql_error(f"Order {order_id} has a payment being processed; try again later", CONFLICT,
                                paymentId=str(live.id))
        try:  # the payer gave up on that one (another card, PayPal instead): abandon it
            await outcomes.run(db, providers, await outcomes.cancel(db, providers, live.id))
        except ProviderError as exc:
            raise graphql_error(str(exc), exc.code) from None
    raise graphql_error(f"Order {order_id} has a payment under way; try again later", CONFLICT)


async def _start(db: Database, providers: Providers, provider: PaymentProvider, payment: Payment) -> None:
    request = StartRequest(payment_id=payment.id, amount=payment.amount, currency=payment.currency,
                           payment_method=payment.payment_method or "", idempotency_key=start_key(payment.id),
                           description=f"Graft order {payment.order_id}")
    try:
        attempt = await provider.start(request)
    except ProviderError as exc:
        if not exc.retryable:  # the request is wrong (an unknown payment method): nothing was taken
            async with db.session() as session, session.begin():
                await states.move(session, payment, Status.FAILED, {"failure_message": str(exc)[:300]}, reason=str(exc))
        raise graphql_error(str(exc), exc.code, paymentId=str(payment.id)) from None
    await outcomes.apply(db, providers, payment, attempt)


def _answer(payment: Payment) -> Payment:
    """The payment, or the error that tells the payer what happened to it."""
    if payment.status == Status.FAILED:
        raise graphql_error(payment.failure_message or "The payment failed.", DECLINED, paymentId=str(payment.id))
    if payment.status in (Status.CANCELED, Status.REFUNDED) or (
            payment.status == Status.SUCCEEDED and payment.refunded == payment.amount):
        raise GraphQLError(f"Order {payment.order_id} was closed while it was being paid; nothing is kept of the "
                           "payment", extensions={"code": CONFLICT, "paymentId": str(payment.id)})
    return payment
