"""placeOrder and cancelOrder. Stock is reserved in the catalog, then the order is written with
its order.placed event; a failure on either side leaves nothing held: the reservation is released
at once, or (the catalog stalled) an abandoned reservation is published for the catalog to
release, and the catalog's own expiry is the backstop."""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from graphql import GraphQLError

from subgraphs.common.db import Database
from subgraphs.common.errors import GRAPHQL_INT_MAX, graphql_error
from subgraphs.common.events import publish
from subgraphs.common.events.envelope import OrderCancelled, OrderPlaced, ReservationAbandoned
from subgraphs.common.peers import Peer
from subgraphs.common.quantities import quantities_per_product
from subgraphs.common.seeddata import shipping_for_weight
from subgraphs.orders import lifecycle
from subgraphs.orders.models import Order, OrderItem

log = logging.getLogger("graft.orders")

MAX_LINE_QUANTITY = 100
MAX_LINES = 50
CancelReason = Literal["customer", "admin"]

RESERVE = """
mutation Reserve($id: ID!, $items: [StockItemInput!]!, $hold: Int) {
  reserveStock(reservationId: $id, items: $items, holdSeconds: $hold) {
    productId quantity unitPrice { amount currency } weight sku
  }
}"""
RELEASE = "mutation Release($id: ID!) { releaseStock(reservationId: $id) }"


@dataclass(frozen=True)
class PaymentWindow:
    """How long an unpaid order keeps its stock (GRAFT_ORDER_TTL_SECONDS, 30 minutes), and how much
    longer the catalog holds it (GRAFT_RESERVATION_GRACE_SECONDS), so the order expires first."""

    seconds: int = 1800
    grace: int = 300

    @classmethod
    def from_env(cls) -> PaymentWindow:
        return cls(int(os.environ.get("GRAFT_ORDER_TTL_SECONDS", "1800")),
                   int(os.environ.get("GRAFT_RESERVATION_GRACE_SECONDS", "300")))


@dataclass(frozen=True)
class Catalog:
    """The catalog subgraph, called as the orders service (inventory:reserve)."""

    peer: Peer

    async def reserve(self, reservation_id: str, lines: dict[int, int], hold: int) -> list[dict]:
        items = [{"productId": str(pid), "quantity": qty} for pid, qty in lines.items()]
        data = await self.peer.execute(RESERVE, {"id": reservation_id, "items": items, "hold": hold})
        return data["reserveStock"]

    async def release(self, reservation_id: str) -> bool:
        return (await self.peer.execute(RELEASE, {"id": reservation_id}))["releaseStock"]


def order_lines(items: list[tuple[int, int]]) -> dict[int, int]:
    """Quantity per product, checked before any other service is called."""
    lines = quantities_per_product(items, MAX_LINE_QUANTITY, "An order")
    if any(q > MAX_LINE_QUANTITY for q in lines.values()):
        raise graphql_error(f"At most {MAX_LINE_QUANTITY} of one product per order")
    return lines


async def place_order(db: Database, catalog: Catalog, window: PaymentWindow, buyer_id: int,
                      lines: dict[int, int]) -> Order:
    reservation_id = f"order-{uuid.uuid4().hex}"
    try:
        reserved = await catalog.reserve(reservation_id, lines, window.seconds + window.grace)
    except GraphQLError as error:
        if (error.extensions or {}).get("code") == "CATALOG_UNAVAILABLE":  # it may have reserved before stalling
            await _abandon(db, reservation_id)
        raise
    try:
        return await _write_order(db, buyer_id, reservation_id, reserved, window)
    except BaseException:
        await _release_quietly(db, catalog, reservation_id)
        raise


async def _write_order(db: Database, buyer_id: int, reservation_id: str, reserved: list[dict],
                       window: PaymentWindow) -> Order:
    currencies = {line["unitPrice"]["currency"] for line in reserved}
    if len(currencies) != 1:
        raise graphql_error(f"An order is paid in one currency; these items use {sorted(currencies)}")
    subtotal = sum(line["unitPrice"]["amount"] * line["quantity"] for line in reserved)
    weight = sum(line["weight"] * line["quantity"] for line in reserved)
    if subtotal + shipping_for_weight(weight) > GRAPHQL_INT_MAX:  # Money.amount is an Int field
        raise graphql_error(f"An order's total must not exceed {GRAPHQL_INT_MAX} minor units")
    now = datetime.now(timezone.utc)
    order = Order(
        number=reservation_id, buyer_id=buyer_id, status=lifecycle.S.PENDING_PAYMENT.value, subtotal=subtotal,
        shipping=shipping_for_weight(weight), currency=currencies.pop(), reservation_id=reservation_id,
        created_at=now, expires_at=now + timedelta(seconds=window.seconds), refunded=0,
    )
    async with db.session() as session, session.begin():
        session.add(order)
        await session.flush()
        order.number = f"GR-{100000 + order.id}"
        session.add_all(
            OrderItem(order_id=order.id, product_id=int(line["productId"]), sku=line["sku"],
                      quantity=line["quantity"], unit_price=line["unitPrice"]["amount"])
            for line in reserved
        )
        publish(session, lifecycle.SOURCE, OrderPlaced(
            order_id=order.id, buyer_id=buyer_id, reservation_id=reservation_id, total=order.total,
            currency=order.currency, expires_at=order.expires_at))
        lifecycle.announce(session, order)
    return order


async def _release_quietly(db: Database, catalog: Catalog, reservation_id: str) -> None:
    try:
        await catalog.release(reservation_id)
    except GraphQLError:
        await _abandon(db, reservation_id)


async def _abandon(db: Database, reservation_id: str) -> None:
    """The catalog will release it when it can (the event waits in our outbox)."""
    try:
        async with db.session() as session, session.begin():
            publish(session, lifecycle.SOURCE, ReservationAbandoned(reservation_id=reservation_id))
        log.warning("reservation %s abandoned; the catalog releases it when it answers", reservation_id)
    except Exception:  # our own database failed too: the catalog's expiry releases it
        log.exception("could not record abandoned reservation %s; it expires in the catalog", reservation_id)


async def cancel_order(db: Database, order: Order, reason: CancelReason = "customer") -> Order:
    """Cancelled here, at once; the catalog releases the stock and payments refunds any money on
    the order.cancelled event."""
    return await lifecycle.move(db, order.id, lifecycle.CANCEL, lambda cancelled: OrderCancelled(
        order_id=cancelled.id, reservation_id=cancelled.reservation_id, reason=reason,
        was_paid=cancelled.payment_id is not None), cancel_reason=reason)
