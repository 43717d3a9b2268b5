"""Fulfilment, shipping and delivery, recorded by the fulfilment partner (orders:fulfil): each a
transition of the state machine, published for whoever follows the order."""

from __future__ import annotations

from subgraphs.common.db import Database
from subgraphs.common.errors import at_most_chars
from subgraphs.common.events.envelope import OrderDelivered, OrderFulfilled, OrderShipped
from subgraphs.orders import lifecycle
from subgraphs.orders.models import Order


async def fulfil(db: Database, order: Order) -> Order:
    return await lifecycle.move(db, order.id, lifecycle.FULFIL, lambda moved: OrderFulfilled(order_id=moved.id))


async def ship(db: Database, order: Order, carrier: str, tracking_number: str) -> Order:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    at_most_chars(carrier, 60, "carrier")
    at_most_chars(tracking_number, 100, "trackingNumber")
    event = OrderShipped(order_id=order.id, carrier=carrier, tracking_number=tracking_number)
    return await lifecycle.move(db, order.id, lifecycle.SHIP, lambda _: event, carrier=carrier,
                                tracking_number=tracking_number)


async def deliver(db: Database, order: Order) -> Order:
    return await lifecycle.move(db, order.id, lifecycle.DELIVER, lambda moved: OrderDelivered(order_id=moved.id))
