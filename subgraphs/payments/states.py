"""The payment state machine: the statuses, the moves between them, and the event each move that
matters to other services publishes in the same transaction.

    PENDING ──► REQUIRES_ACTION ◄──► PROCESSING
       │              │                   │
       ├──────────────┴─────────┬─────────┤
       ▼                        ▼         ▼
    SUCCEEDED ──► PARTIALLY_REFUNDED ──► REFUNDED        FAILED, CANCELED (from any of the first three)
       └──────────────┴──────► DISPUTED ◄──┘

A payment the provider reports as succeeded after we had it FAILED or CANCELED (the payer finished
at the very moment the order was closed) becomes SUCCEEDED again so the books match the money, and
is refunded at once (outcomes.record_attempt). Every move is one conditional UPDATE (`WHERE status
IN (the allowed sources)`), so of two racing writers on SQLite or PostgreSQL exactly one moves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from graphql import GraphQLError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from subgraphs.common.db import rows_matched
from subgraphs.common.errors import CONFLICT, graphql_error
from subgraphs.common.events import publish
from subgraphs.common.events.envelope import PaymentDisputed, PaymentFailed, PaymentRequiresAction, PaymentSucceeded
from subgraphs.payments.models import Payment, now

SOURCE = "payments"


class Status(StrEnum):
    PENDING = "PENDING"  # created here; the provider has not answered yet
    REQUIRES_ACTION = "REQUIRES_ACTION"  # the payer must act (3-D Secure, PayPal approval)
    PROCESSING = "PROCESSING"  # the provider decides later
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"  # abandoned before it succeeded: the order was closed first
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    DISPUTED = "DISPUTED"


S = Status
UNDER_WAY = (S.PENDING, S.REQUIRES_ACTION, S.PROCESSING)
REFUNDABLE = (S.SUCCEEDED, S.PARTIALLY_REFUNDED)
HOLDS_MONEY = (S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.DISPUTED)

# target → the statuses it may be reached from
SOURCES: dict[Status, frozenset[Status]] = {
    S.PENDING: frozenset(),
    S.REQUIRES_ACTION: frozenset({S.PENDING, S.PROCESSING}),
    S.PROCESSING: frozenset({S.PENDING, S.REQUIRES_ACTION}),
    S.SUCCEEDED: frozenset({*UNDER_WAY, S.FAILED, S.CANCELED}),
    S.FAILED: frozenset(UNDER_WAY),
    S.CANCELED: frozenset(UNDER_WAY),
    S.PARTIALLY_REFUNDED: frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED}),
    S.REFUNDED: frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED}),
    S.DISPUTED: frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
}
# a payment is live (holds its order's one live slot) in these; leaving them frees the slot
LIVE = frozenset({*UNDER_WAY, S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.DISPUTED})


def refusal(payment_id: int, current: str, action: str) -> GraphQLError:
    """The CONFLICT a caller gets for asking a move the payment's status does not allow."""
    return graphql_error(f"Payment {payment_id} is {current} and cannot be {action}", CONFLICT,
                         paymentId=str(payment_id))


async def move(session: AsyncSession, payment: Payment, target: Status, values: Mapping[str, object] | None = None,
               *, reason: str | None = None, dispute_amount: int | None = None) -> bool:
    """Move `payment` (a row read in or before this transaction) to `target` if its status now
    allows it, setting `values` too, and publish the move's event in the same transaction.
    False, with nothing written, when it does not (another writer moved it first)."""
    changes: dict[str, object] = {"status": target.value, "updated_at": now(), "lease_until": None, **(values or {})}
    if target not in LIVE:
        changes["live_order_id"] = None
    moved = await rows_matched(session, update(Payment).where(
        Payment.id == payment.id, Payment.status.in_([s.value for s in SOURCES[target]]),
    ).values(**changes).execution_options(synchronize_session=False))
    if moved != 1:
        return False
    for name, value in changes.items():  # the row as it now is, without a second UPDATE at commit
        set_committed_value(payment, name, value)
    if target is S.REQUIRES_ACTION:
        publish(session, SOURCE, PaymentRequiresAction(payment_id=payment.id, order_id=payment.order_id))
    elif target is S.SUCCEEDED:
        publish(session, SOURCE, PaymentSucceeded(payment_id=payment.id, order_id=payment.order_id,
                                                  amount=payment.amount, currency=payment.currency,
                                                  provider=payment.provider))
    elif target is S.FAILED:
        publish(session, SOURCE, PaymentFailed(payment_id=payment.id, order_id=payment.order_id,
                                               reason=reason or payment.failure_message or "The payment failed."))
    elif target is S.DISPUTED:
        publish(session, SOURCE, PaymentDisputed(payment_id=payment.id, order_id=payment.order_id,
                                                 amount=payment.amount if dispute_amount is None else dispute_amount))
    return True
