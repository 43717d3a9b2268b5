"""Fulfilment, shipping and delivery, recorded by the fulfilment partner (orders:fulfil): each a
transition of the state machine, published for whoever follows the order."""

from __future__ import annotations

from typing import Any

from subgraphs.common.db import Database
from subgraphs.common.errors import at_most_chars
from subgraphs.common.events import Payload, publish
from subgraphs.common.events.envelope import OrderDelivered, OrderFulfilled, OrderShipped
from subgraphs.orders import lifecycle
from subgraphs.orders.models import Order
from subgraphs.orders.placing import SOURCE


async def _move(db: Database, order: Order, transition: lifecycle.Transition, event: Payload,
                **values: Any) -> Order:
    async with db.session() as session, session.begin():
        try:
            moved = await lifecycle.apply(session, order.id, transition, **values)
        except lifecycle.InvalidTransition as error:
            raise lifecycle.refused(error) from None
        publish(session, SOURCE, event)
    return moved


async def fulfil(db: Database, order: Order) -> Order:
    return await _move(db, order, lifecycle.FULFIL, OrderFulfilled(order_id=order.id))


async def ship(db: Database, order: Order, carrier: str, tracking_number: str) -> Order:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    at_most_chars(carrier, 60, "carrier")
    at_most_chars(tracking_number, 100, "trackingNumber")
    event = OrderShipped(order_id=order.id, carrier=carrier, tracking_number=tracking_number)
    return await _move(db, order, lifecycle.SHIP, event, carrier=carrier, tracking_number=tracking_number)


async def deliver(db: Database, order: Order) -> Order:
    return await _move(db, order, lifecycle.DELIVER, OrderDelivered(order_id=order.id))
