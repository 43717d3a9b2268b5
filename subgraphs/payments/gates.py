"""The per-order gate paying and closing meet at (models.OrderGate).

Opening a payment, recording that a payment succeeded or awaits the payer, and closing the order
(order.cancelled, order.expired) each begin by writing the order's gate row, which holds that row's
lock to the end of the transaction: on PostgreSQL (READ COMMITTED) a second writer waits and then
reads what the first committed, and SQLite takes its one write lock. So a payment opened before the
close is seen by the closing handler, and one that comes after sees the order closed; neither can
miss the other."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.payments.models import OrderGate, now


async def _ensure(session: AsyncSession, order_id: int) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(OrderGate).values(order_id=order_id, version=0).on_conflict_do_nothing())


async def lock(session: AsyncSession, order_id: int) -> bool:
    """Hold the order's gate for this transaction; True when the order is closed."""
    await _ensure(session, order_id)
    await session.execute(update(OrderGate).where(OrderGate.order_id == order_id)
                          .values(version=OrderGate.version + 1))
    return await session.scalar(select(OrderGate.closed_at).where(OrderGate.order_id == order_id)) is not None


async def close(session: AsyncSession, order_id: int, reason: str) -> None:
    """Close the order for payments, holding its gate for this transaction (the first close's
    reason and time are kept)."""
    await _ensure(session, order_id)
    await session.execute(update(OrderGate).where(OrderGate.order_id == order_id).values(
        version=OrderGate.version + 1, closed_at=func.coalesce(OrderGate.closed_at, now()),
        closed_reason=func.coalesce(OrderGate.closed_reason, reason),
    ))


async def is_closed(session: AsyncSession, order_id: int) -> bool:
    return await session.scalar(select(OrderGate.closed_at).where(OrderGate.order_id == order_id)) is not None
