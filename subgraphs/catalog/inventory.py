"""Stock reservations for orders: all or nothing, idempotent per reservation id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.catalog.models import Product, Reservation, ReservationLine
from subgraphs.common.db import Database, rows_matched
from subgraphs.common.errors import BAD_USER_INPUT, NOT_FOUND, graphql_error
from subgraphs.common.quantities import quantities_per_product

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


async def reserve(db: Database, reservation_id: str, items: list[tuple[int, int]]) -> list[ReservedLine]:
    wanted = merge_items(items)
    async with db.session() as session:
        if (existing := await _lines(session, reservation_id)) is not None:
            return existing
    try:
        async with db.session() as session, session.begin():
            lines = await _take_stock(session, wanted)
            session.add(Reservation(id=reservation_id))
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


async def release(db: Database, reservation_id: str) -> bool:
    """Put the reserved quantities back, once; False when already released or unknown."""
    async with db.session() as session, session.begin():
        released = await rows_matched(session, (
            update(Reservation)
            .where(Reservation.id == reservation_id, Reservation.released.is_(False))
            .values(released=True)
            .execution_options(synchronize_session=False)
        ))
        if released != 1:
            return False
        lines = await session.scalars(select(ReservationLine).where(ReservationLine.reservation_id == reservation_id))
        for line in lines.all():
            await session.execute(
                update(Product).where(Product.id == line.product_id)
                .values(stock=Product.stock + line.quantity)
                .execution_options(synchronize_session=False)
            )
    return True
