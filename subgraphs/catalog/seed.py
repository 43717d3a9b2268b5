"""Seed the catalog's share of the deterministic marketplace, once."""

from __future__ import annotations

from sqlalchemy import func, select

from subgraphs.catalog.models import Category, Product
from subgraphs.common import seeddata
from subgraphs.common.db import Database


async def seed(db: Database) -> bool:
    async with db.session() as session, session.begin():
        if await session.scalar(select(func.count(Category.id))):
            return False
        session.add_all(Category(id=c.id, name=c.name, slug=c.slug) for c in seeddata.categories())
        await session.flush()
        session.add_all(
            Product(
                id=p.id, sku=p.sku, name=p.name, description=p.description, category_id=p.category_id,
                price=p.price, currency=seeddata.CURRENCY, cost_price=p.cost_price, weight=p.weight, stock=p.stock,
            )
            for p in seeddata.products()
        )
    await db.reset_sequences(["categories", "products"])
    return True
