"""The catalog's side of the order lifecycle, on real databases: stock committed when an order is
paid, released once when it is cancelled, expires, or was abandoned by a stalled placeOrder."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from subgraphs.catalog import events
from subgraphs.catalog.models import Reservation
from subgraphs.common.events import AlreadyApplied, Event
from subgraphs.common.events.envelope import OrderCancelled, OrderExpired, OrderPaid, ReservationAbandoned
from subgraphs.common.events.store import OutboxEvent
from tests.subgraphs.catalog.test_inventory import RESERVE, _stock, orders_service

HOLD = """mutation($id: ID!, $items: [StockItemInput!]!, $hold: Int) {
  reserveStock(reservationId: $id, items: $items, holdSeconds: $hold) { quantity } }"""


async def _reserve(catalog, reservation_id: str, product: int, quantity: int = 2, hold: int = 600) -> None:
    body = await catalog.execute(HOLD, {"id": reservation_id, "items": [{"productId": str(product), "quantity": quantity}],
                                        "hold": hold}, orders_service())
    assert body["data"]["reserveStock"][0]["quantity"] == quantity, body


async def _published(catalog, kind: str) -> list[dict]:
    async with catalog.db.session() as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.type == kind).order_by(OutboxEvent.position))
        return [row.event().payload for row in rows]


def _handler(catalog, kind: str):
    return events.handlers(catalog.client.app)[kind]


async def test_a_cancelled_order_returns_its_stock_once(catalog):
    before = (await _stock(catalog, 3))["3"]
    await _reserve(catalog, "order-c1", 3)
    cancelled = Event.new("orders", OrderCancelled(order_id=1, reservation_id="order-c1", reason="customer",
                                                   was_paid=False))
    await _handler(catalog, "order.cancelled")(cancelled)
    with pytest.raises(AlreadyApplied):
        await _handler(catalog, "order.cancelled")(cancelled)
    assert (await _stock(catalog, 3))["3"] == before
    assert [p["reservation_id"] for p in await _published(catalog, "stock.released")] == ["order-c1"]


async def test_a_paid_order_keeps_its_stock_past_the_hold(catalog):
    before = (await _stock(catalog, 4))["4"]
    await _reserve(catalog, "order-p1", 4, hold=1)
    await _handler(catalog, "order.paid")(Event.new("orders", OrderPaid(order_id=2, reservation_id="order-p1",
                                                                         payment_id=7)))
    await _age(catalog, "order-p1")
    await events.expire_reservations(catalog.client.app)
    assert (await _stock(catalog, 4))["4"] == before - 2
    assert [p["reservation_id"] for p in await _published(catalog, "stock.committed")] == ["order-p1"]
    # cancelling the paid order afterwards (payments refunds it) puts the stock back
    await _handler(catalog, "order.cancelled")(Event.new("orders", OrderCancelled(
        order_id=2, reservation_id="order-p1", reason="customer", was_paid=True)))
    assert (await _stock(catalog, 4))["4"] == before


async def _age(catalog, reservation_id: str) -> None:
    async with catalog.db.session() as session, session.begin():
        await session.execute(update(Reservation).where(Reservation.id == reservation_id, Reservation.expires_at.is_not(None))
                              .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))


async def test_held_stock_expires_once_and_a_late_payment_takes_it_again(catalog):
    before = (await _stock(catalog, 5))["5"]
    await _reserve(catalog, "order-e1", 5)
    await _age(catalog, "order-e1")
    assert await events.expire_reservations(catalog.client.app) == 1
    assert await events.expire_reservations(catalog.client.app) == 0
    assert (await _stock(catalog, 5))["5"] == before
    released = await _published(catalog, "stock.released")
    assert [(p["reservation_id"], p["reason"]) for p in released] == [("order-e1", "expired")]
    # the order's expiry arrives after the catalog's: nothing more is released
    await _handler(catalog, "order.expired")(Event.new("orders", OrderExpired(order_id=3, reservation_id="order-e1")))
    assert (await _stock(catalog, 5))["5"] == before
    # a payment that arrives after the hold ran out takes the stock again while there is some
    await _handler(catalog, "order.paid")(Event.new("orders", OrderPaid(order_id=3, reservation_id="order-e1",
                                                                         payment_id=8)))
    assert (await _stock(catalog, 5))["5"] == before - 2
    async with catalog.db.session() as session:
        row = await session.get(Reservation, "order-e1")
        assert not row.released and row.committed_at is not None


async def test_a_late_payment_for_sold_stock_is_reported(catalog):
    await _reserve(catalog, "order-s1", 6, quantity=1)
    await _age(catalog, "order-s1")
    await events.expire_reservations(catalog.client.app)
    left = (await _stock(catalog, 6))["6"]
    if left:
        await _reserve(catalog, "order-s2", 6, quantity=left)  # someone else buys all there is
    await _handler(catalog, "order.paid")(Event.new("orders", OrderPaid(order_id=4, reservation_id="order-s1",
                                                                         payment_id=9)))
    assert (await _stock(catalog, 6))["6"] == 0
    assert [p["reservation_id"] for p in await _published(catalog, "stock.shortage")] == ["order-s1"]


async def test_an_abandoned_reservation_is_released_and_never_taken_later(catalog):
    before = (await _stock(catalog, 7))["7"]
    await _reserve(catalog, "order-a1", 7)
    await _handler(catalog, "reservation.abandoned")(Event.new("orders", ReservationAbandoned(reservation_id="order-a1")))
    assert (await _stock(catalog, 7))["7"] == before
    # the stalled reservation of another order arrives only after its order gave it up
    await _handler(catalog, "reservation.abandoned")(Event.new("orders", ReservationAbandoned(reservation_id="order-a2")))
    late = await catalog.execute(RESERVE, {"id": "order-a2", "items": [{"productId": "7", "quantity": 1}]},
                                 orders_service())
    assert late["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "released" in late["errors"][0]["message"]
    assert (await _stock(catalog, 7))["7"] == before


async def test_hold_seconds_are_bounded(catalog):
    for hold in (0, -5, 10**9):
        body = await catalog.execute(HOLD, {"id": f"order-h{hold}", "items": [{"productId": "8", "quantity": 1}],
                                            "hold": hold}, orders_service())
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
