"""placeOrder and cancelOrder: stock is reserved in the catalog, the order written here,
and a failure on either side leaves nothing behind in both."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from graphql import GraphQLError
from sqlalchemy import update

from subgraphs.common.db import Database, rows_matched
from subgraphs.common.errors import CONFLICT, GRAPHQL_INT_MAX, graphql_error
from subgraphs.common.peers import Peer
from subgraphs.common.quantities import quantities_per_product
from subgraphs.common.seeddata import shipping_for_weight
from subgraphs.orders.models import Order, OrderItem

log = logging.getLogger("graft.orders")

MAX_LINE_QUANTITY = 100
MAX_LINES = 50
CANCELLABLE = ("PLACED", "PAID")

RESERVE = """
mutation Reserve($id: ID!, $items: [StockItemInput!]!) {
  reserveStock(reservationId: $id, items: $items) { productId quantity unitPrice { amount currency } weight sku }
}"""
RELEASE = "mutation Release($id: ID!) { releaseStock(reservationId: $id) }"


@dataclass(frozen=True)
class Catalog:
    """The catalog subgraph, called as the orders service (inventory:reserve)."""

    peer: Peer

    async def reserve(self, reservation_id: str, lines: dict[int, int]) -> list[dict]:
        items = [{"productId": str(pid), "quantity": qty} for pid, qty in lines.items()]
        data = await self.peer.execute(RESERVE, {"id": reservation_id, "items": items})
        return data["reserveStock"]

    async def release(self, reservation_id: str) -> bool:
        return (await self.peer.execute(RELEASE, {"id": reservation_id}))["releaseStock"]


def order_lines(items: list[tuple[int, int]]) -> dict[int, int]:
    """Quantity per product, checked before any other service is called."""
    lines = quantities_per_product(items, MAX_LINE_QUANTITY, "An order")
    if any(q > MAX_LINE_QUANTITY for q in lines.values()):
        raise graphql_error(f"At most {MAX_LINE_QUANTITY} of one product per order")
    return lines


async def place_order(db: Database, catalog: Catalog, buyer_id: int, lines: dict[int, int]) -> Order:
    reservation_id = f"order-{uuid.uuid4().hex}"
    reserved = await catalog.reserve(reservation_id, lines)
    try:
        return await _write_order(db, buyer_id, reservation_id, reserved)
    except BaseException:
        await _release_quietly(catalog, reservation_id)
        raise


async def _write_order(db: Database, buyer_id: int, reservation_id: str, reserved: list[dict]) -> Order:
    currencies = {line["unitPrice"]["currency"] for line in reserved}
    if len(currencies) != 1:
        raise graphql_error(f"An order is paid in one currency; these items use {sorted(currencies)}")
    subtotal = sum(line["unitPrice"]["amount"] * line["quantity"] for line in reserved)
    weight = sum(line["weight"] * line["quantity"] for line in reserved)
    if subtotal + shipping_for_weight(weight) > GRAPHQL_INT_MAX:  # Money.amount is an Int field
        raise graphql_error(f"An order's total must not exceed {GRAPHQL_INT_MAX} minor units")
    order = Order(
        number=reservation_id, buyer_id=buyer_id, status="PLACED", subtotal=subtotal,
        shipping=shipping_for_weight(weight), currency=currencies.pop(), reservation_id=reservation_id,
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
    return order


async def _release_quietly(catalog: Catalog, reservation_id: str) -> None:
    try:
        await catalog.release(reservation_id)
    except GraphQLError:
        log.exception("could not release reservation %s; stock stays held", reservation_id)


async def cancel_order(db: Database, catalog: Catalog, order: Order) -> Order:
    if order.status not in CANCELLABLE:
        raise graphql_error(f"Order {order.number} is {order.status} and can no longer be cancelled", CONFLICT)
    if order.reservation_id:
        await catalog.release(order.reservation_id)
    async with db.session() as session, session.begin():
        cancelled = await rows_matched(session, (
            update(Order).where(Order.id == order.id, Order.status.in_(CANCELLABLE)).values(status="CANCELLED")
            .execution_options(synchronize_session=False)
        ))
        if cancelled != 1:
            raise graphql_error(f"Order {order.number} changed while cancelling; try again", CONFLICT)
    order.status = "CANCELLED"
    return order
