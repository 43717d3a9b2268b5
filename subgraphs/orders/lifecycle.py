"""The order state machine: every status change is one of these transitions, made by a
conditional UPDATE (status still one it may leave), so two racing changes cannot both win, and
published as an event in the same transaction."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.db import Database, rows_matched
from subgraphs.common.errors import CONFLICT, NOT_FOUND, graphql_error
from subgraphs.common.events import Payload, publish
from subgraphs.common.live import changed
from subgraphs.orders.models import Order

SOURCE = "orders"  # the events orders publishes


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    FULFILLED = "FULFILLED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


S = OrderStatus
# paid and not yet refunded in full: where a refund may come from
HOLDING_MONEY = frozenset({S.PAID, S.FULFILLED, S.SHIPPED, S.DELIVERED, S.PARTIALLY_REFUNDED})


@dataclass(frozen=True)
class Transition:
    name: str  # as the error message says it: "paid", "shipped", ...
    sources: frozenset[OrderStatus]
    target: OrderStatus
    stamp: str | None = None  # the column recording when it happened


PAY = Transition("paid", frozenset({S.PENDING_PAYMENT}), S.PAID, "paid_at")
FULFIL = Transition("fulfilled", frozenset({S.PAID}), S.FULFILLED, "fulfilled_at")
SHIP = Transition("shipped", frozenset({S.FULFILLED}), S.SHIPPED, "shipped_at")
DELIVER = Transition("delivered", frozenset({S.SHIPPED}), S.DELIVERED, "delivered_at")
CANCEL = Transition("cancelled", frozenset({S.PENDING_PAYMENT, S.PAID}), S.CANCELLED, "cancelled_at")
EXPIRE = Transition("expired", frozenset({S.PENDING_PAYMENT}), S.CANCELLED, "cancelled_at")
REFUND_PART = Transition("partially refunded", HOLDING_MONEY, S.PARTIALLY_REFUNDED)
REFUND_ALL = Transition("refunded", HOLDING_MONEY | {S.CANCELLED}, S.REFUNDED)


class InvalidTransition(Exception):
    def __init__(self, order: Order, transition: Transition) -> None:
        allowed = " or ".join(sorted(transition.sources))
        super().__init__(f"Order {order.number} is {order.status}; only a {allowed} order can be {transition.name}")


async def apply(session: AsyncSession, order_id: int, transition: Transition, **values: Any) -> Order:
    """Move the order, or raise InvalidTransition (nothing changed) when its status does not allow it."""
    stamp = {transition.stamp: datetime.now(timezone.utc)} if transition.stamp else {}
    moved = await rows_matched(session, (
        update(Order).where(Order.id == order_id, Order.status.in_([s.value for s in transition.sources]))
        .values(status=transition.target.value, **stamp, **values).execution_options(synchronize_session=False)
    ))
    order = await session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise graphql_error(f"Unknown order {order_id}", NOT_FOUND)
    if moved != 1:
        raise InvalidTransition(order, transition)
    announce(session, order)
    return order


def order_topic(order_id: int) -> str:
    return f"order:{order_id}"


def buyer_topic(buyer_id: int) -> str:
    return f"buyer:{buyer_id}"


def announce(session: AsyncSession, order: Order) -> None:
    """Subscribers to the order and to its buyer's orders hear of it once the change commits."""
    changed(session, order_topic(order.id))
    changed(session, buyer_topic(order.buyer_id), str(order.id))


def refused(error: InvalidTransition) -> Exception:
    """The client's answer to an invalid transition: CONFLICT with the reason."""
    return graphql_error(str(error), CONFLICT)


async def move(db: Database, order_id: int, transition: Transition, event: Callable[[Order], Payload],
               **values: Any) -> Order:
    """A client's change (cancel, fulfil, ship, deliver): the transition and `event(moved order)`
    in one transaction, or a CONFLICT saying why when the order's status does not allow it."""
    async with db.session() as session, session.begin():
        try:
            moved = await apply(session, order_id, transition, **values)
        except InvalidTransition as error:
            raise refused(error) from None
        publish(session, SOURCE, event(moved))
    return moved
