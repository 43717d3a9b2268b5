"""Per-request DataLoaders: every relation and entity lookup is one batched query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from subgraphs.catalog.cache import ProductCache
from subgraphs.catalog.models import Category, Product
from subgraphs.common.db import Database
from subgraphs.common.loaders import DataLoader, one_per_key

# (category id, id after which the page starts, page size)
PageKey = tuple[int, int, int]


@dataclass
class Loaders:
    db: Database
    cache: ProductCache | None = None  # Redis in front of the product lookups, when configured
    product_by_id: DataLoader = field(init=False)
    product_by_sku: DataLoader = field(init=False)
    category_by_id: DataLoader = field(init=False)
    products_page_by_category: DataLoader = field(init=False)
    product_count_by_category: DataLoader = field(init=False)

    def __post_init__(self) -> None:
        self.product_by_id = DataLoader(self._products_by_id)
        self.product_by_sku = DataLoader(self._products_by_sku)
        self.category_by_id = DataLoader(self._categories_by_id)
        self.products_page_by_category = DataLoader(self._product_pages)
        self.product_count_by_category = DataLoader(self._product_counts)

    async def _products_by_id(self, ids: list[int]) -> list[Product | None]:
        return await self._cached("id", ids, self._sql_products_by_id)

    async def _products_by_sku(self, skus: list[str]) -> list[Product | None]:
        return await self._cached("sku", skus, self._sql_products_by_sku)

    async def _cached(self, field: str, keys: list[Any],
                      load: Callable[[list[Any]], Awaitable[list[Product | None]]]) -> list[Product | None]:
        """One MGET for the batch; only the misses go to SQL, and are written back."""
        if self.cache is None:
            return await load(keys)
        cached = await self.cache.get_many(field, keys)
        missing = [key for key, row in zip(keys, cached) if row is None]
        loaded = dict(zip(missing, await load(missing))) if missing else {}
        await self.cache.put_many(field, [row for row in loaded.values() if row is not None])
        return [row if row is not None else loaded.get(key) for key, row in zip(keys, cached)]

    async def _sql_products_by_id(self, ids: list[int]) -> list[Product | None]:
        async with self.db.session() as session:
            rows = await session.scalars(select(Product).where(Product.id.in_(ids)))
            return one_per_key(rows, ids, lambda p: p.id)

    async def _sql_products_by_sku(self, skus: list[str]) -> list[Product | None]:
        async with self.db.session() as session:
            rows = await session.scalars(select(Product).where(Product.sku.in_(skus)))
            return one_per_key(rows, skus, lambda p: p.sku)

    async def _categories_by_id(self, ids: list[int]) -> list[Category | None]:
        async with self.db.session() as session:
            rows = await session.scalars(select(Category).where(Category.id.in_(ids)))
            return one_per_key(rows, ids, lambda c: c.id)

    async def _product_pages(self, keys: list[PageKey]) -> list[list[Product]]:
        """One windowed query per distinct (after, size) pair, usually exactly one."""
        by_shape: dict[tuple[int, int], list[int]] = defaultdict(list)
        for category_id, after, size in keys:
            by_shape[(after, size)].append(category_id)
        pages: dict[PageKey, list[Product]] = defaultdict(list)
        async with self.db.session() as session:
            for (after, size), category_ids in by_shape.items():
                rank = func.row_number().over(partition_by=Product.category_id, order_by=Product.id).label("rank")
                inner = (
                    select(Product.id, rank)
                    .where(Product.category_id.in_(category_ids), Product.id > after)
                    .subquery()
                )
                query = select(Product).join(inner, inner.c.id == Product.id).where(inner.c.rank <= size)
                for product in await session.scalars(query.order_by(Product.id)):
                    pages[(product.category_id, after, size)].append(product)
        return [pages.get(key, []) for key in keys]

    async def _product_counts(self, category_ids: list[int]) -> list[int]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(Product.category_id, func.count())
                .where(Product.category_id.in_(category_ids))
                .group_by(Product.category_id)
            )
            counts = {category_id: count for category_id, count in rows}
        return [counts.get(c, 0) for c in category_ids]
