"""Stock reservations for orders: all or nothing, idempotent per reservation id."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.catalog.models import Product, Reservation, ReservationLine
from subgraphs.common.db import Database, rows_matched
from subgraphs.common.errors import BAD_USER_INPUT, NOT_FOUND, graphql_error
from subgraphs.common.events import publish
from subgraphs.common.events.envelope import StockCommitted, StockReleased, StockShortage
from subgraphs.common.live import changed
from subgraphs.common.quantities import quantities_per_product

log = logging.getLogger("graft.catalog.inventory")
SOURCE = "catalog"
ReleaseReason = Literal["cancelled", "expired", "abandoned"]
DEFAULT_HOLD = 2100  # seconds: the orders' 30-minute payment window and 5 minutes' grace
MAX_HOLD = 7 * 86400

INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
MAX_QUANTITY = 1000
MAX_LINES = 100  # an order has at most 50; more is no order's reservation


@dataclass(frozen=True)
class ReservedLine:
    product: Product
    quantity: int
    unit_price: int


def merge_items(items: list[tuple[int, int]]) -> dict[int, int]:
    return quantities_per_product(items, MAX_QUANTITY, "A reservation")


async def reserve(db: Database, reservation_id: str, items: list[tuple[int, int]],
                  hold: int = DEFAULT_HOLD) -> list[ReservedLine]:
    """Held for `hold` seconds, then released by the sweeper unless committed."""
    wanted = merge_items(items)
    async with db.session() as session:
        if (existing := await _lines(session, reservation_id)) is not None:
            return existing
    try:
        async with db.session() as session, session.begin():
            lines = await _take_stock(session, wanted)
            session.add(Reservation(id=reservation_id, released=False,
                                    expires_at=datetime.now(timezone.utc) + timedelta(seconds=hold)))
            await session.flush()
            session.add_all(
                ReservationLine(reservation_id=reservation_id, product_id=line.product.id,
                                quantity=line.quantity, unit_price=line.unit_price)
                for line in lines
            )
        return lines
    except IntegrityError:
        # the same reservation id raced us and won: answer with what it holds
        async with db.session() as session:
            if (existing := await _lines(session, reservation_id)) is not None:
                return existing
        raise


def stock_topic(product_id: int) -> str:
    """What stockChanged subscribers to a product listen to; announced with every change of its stock."""
    return f"stock:{product_id}"


async def _take_stock(session: AsyncSession, wanted: dict[int, int]) -> list[ReservedLine]:
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(wanted)))}
    if missing := sorted(set(wanted) - set(products)):
        raise graphql_error(f"Unknown product {missing[0]}", NOT_FOUND, productId=str(missing[0]))
    lines = []
    for product_id, quantity in sorted(wanted.items()):
        product = products[product_id]
        # one conditional UPDATE per line: correct under concurrency on SQLite and PostgreSQL
        taken = await rows_matched(session, (
            update(Product)
            .where(Product.id == product_id, Product.stock >= quantity)
            .values(stock=Product.stock - quantity)
            .execution_options(synchronize_session=False)
        ))
        if taken != 1:
            raise graphql_error(
                f"Insufficient stock for {product.name} ({product.sku}): {quantity} requested, {product.stock} available",
                INSUFFICIENT_STOCK, productId=str(product_id), available=product.stock,
            )
        lines.append(ReservedLine(product, quantity, product.price))
        changed(session, stock_topic(product_id))
    return lines


async def _lines(session: AsyncSession, reservation_id: str) -> list[ReservedLine] | None:
    reservation = await session.get(Reservation, reservation_id)
    if reservation is None:
        return None
    if reservation.released:
        raise graphql_error(f"Reservation {reservation_id} was released", BAD_USER_INPUT)
    rows = await session.execute(
        select(ReservationLine, Product)
        .join(Product, Product.id == ReservationLine.product_id)
        .where(ReservationLine.reservation_id == reservation_id)
        .order_by(ReservationLine.product_id)
    )
    return [ReservedLine(product, line.quantity, line.unit_price) for line, product in rows]


async def release(db: Database, reservation_id: str, reason: ReleaseReason) -> list[int]:
    async with db.session() as session, session.begin():
        return await release_in(session, reservation_id, reason)


async def release_in(session: AsyncSession, reservation_id: str, reason: ReleaseReason) -> list[int]:
    """Put the reserved quantities back, once, and publish stock.released, in the caller's
    transaction; the products changed ([] when it was released before). An unknown id is
    recorded as released, so a reservation that arrives after its order gave it up (a stalled
    catalog) is refused."""
    held = [Reservation.id == reservation_id, Reservation.released.is_(False)]
    if reason == "expired":  # a payment may have committed it since it was found expired
        held.append(Reservation.committed_at.is_(None))
    released = await rows_matched(session, (
        update(Reservation).where(*held).values(released=True, release_reason=reason)
        .execution_options(synchronize_session=False)
    ))
    if released != 1:
        if await session.get(Reservation, reservation_id) is None:
            session.add(Reservation(id=reservation_id, released=True, release_reason=reason))
        return []
    lines = list(await session.scalars(
        select(ReservationLine).where(ReservationLine.reservation_id == reservation_id)))
    for line in lines:
        await session.execute(
            update(Product).where(Product.id == line.product_id)
            .values(stock=Product.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
        changed(session, stock_topic(line.product_id))
    publish(session, SOURCE, StockReleased(reservation_id=reservation_id, reason=reason))
    return [line.product_id for line in lines]


async def commit_in(session: AsyncSession, reservation_id: str, order_id: int) -> list[int]:
    """The order is paid: its stock is sold and no longer expires. A reservation that expired
    before the payment arrived takes its stock again if it can; if not, stock.shortage tells an
    operator. The products changed."""
    committed = await rows_matched(session, (
        update(Reservation)
        .where(Reservation.id == reservation_id, Reservation.released.is_(False))
        .values(committed_at=datetime.now(timezone.utc), expires_at=None)
        .execution_options(synchronize_session=False)
    ))
    if committed == 1:
        publish(session, SOURCE, StockCommitted(reservation_id=reservation_id))
        return []
    return await _retake(session, reservation_id, order_id)


class _Sold(Exception):
    """A line's stock was sold to someone else meanwhile."""


async def _retake(session: AsyncSession, reservation_id: str, order_id: int) -> list[int]:
    lines = list(await session.scalars(
        select(ReservationLine).where(ReservationLine.reservation_id == reservation_id)))
    try:
        async with session.begin_nested():
            for line in lines:
                taken = await rows_matched(session, (
                    update(Product).where(Product.id == line.product_id, Product.stock >= line.quantity)
                    .values(stock=Product.stock - line.quantity).execution_options(synchronize_session=False)))
                if taken != 1:
                    raise _Sold(line.product_id)
    except _Sold:
        log.error("paid order %s: reservation %s expired and its stock is gone", order_id, reservation_id)
        publish(session, SOURCE, StockShortage(reservation_id=reservation_id, order_id=order_id))
        return []
    await session.execute(update(Reservation).where(Reservation.id == reservation_id).values(
        released=False, release_reason=None, committed_at=datetime.now(timezone.utc), expires_at=None))
    for line in lines:
        changed(session, stock_topic(line.product_id))
    publish(session, SOURCE, StockCommitted(reservation_id=reservation_id))
    return [line.product_id for line in lines]


async def expired(db: Database, limit: int) -> list[str]:
    """Held reservations past their time, oldest first."""
    async with db.session() as session:
        return list(await session.scalars(
            select(Reservation.id).where(Reservation.released.is_(False), Reservation.committed_at.is_(None),
                                         Reservation.expires_at < datetime.now(timezone.utc))
            .order_by(Reservation.expires_at).limit(limit)))
