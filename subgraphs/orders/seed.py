"""Seed the orders' share of the deterministic marketplace, once."""

from __future__ import annotations

from sqlalchemy import func, select

from subgraphs.common import seeddata
from subgraphs.common.db import Database
from subgraphs.orders.models import Order, OrderItem


async def seed(db: Database) -> bool:
    skus = {p.id: p.sku for p in seeddata.products()}
    payments = {p.order_id: p for p in seeddata.payments()}
    async with db.session() as session, session.begin():
        if await session.scalar(select(func.count(Order.id))):
            return False
        session.add_all(
            Order(id=o.id, number=o.number, buyer_id=o.buyer_id, status=o.status, subtotal=o.subtotal,
                  shipping=o.shipping, currency=seeddata.CURRENCY, created_at=o.created_at,
                  payment_id=payments[o.id].id if o.id in payments else None,
                  refunded=payments[o.id].amount if o.status == "CANCELLED" else 0)
            for o in seeddata.orders()
        )
        await session.flush()
        session.add_all(
            OrderItem(order_id=o.id, product_id=i.product_id, sku=skus[i.product_id],
                      quantity=i.quantity, unit_price=i.unit_price)
            for o in seeddata.orders() for i in o.items
        )
    await db.reset_sequences(["orders", "order_items"])
    return True
