"""Per-request DataLoaders: every relation and entity lookup is one batched query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, func, select

from subgraphs.catalog.cache import ProductCache
from subgraphs.catalog.models import CATEGORIES, PRODUCTS, CategoryFields, ProductRow
from subgraphs.common.db import Database
from subgraphs.common.loaders import DataLoader, one_per_key

# (category id, id after which the page starts, page size)
PageKey = tuple[int, int, int]
# the SQL behind a product lookup: a row (or None) per key
ProductLoad = Callable[[list[Any]], Awaitable[Sequence[ProductRow | None]]]

# Built once: each batch only binds its keys (building and hashing a statement costs more than
# running it on SQLite).
KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
# a product page shows the product's category: it comes in the same statement
_WITH_CATEGORY = (select(PRODUCTS, CATEGORIES.c.name.label("category_name"), CATEGORIES.c.slug.label("category_slug"))
                  .join(CATEGORIES, CATEGORIES.c.id == PRODUCTS.c.category_id))
PRODUCTS_BY_ID = _WITH_CATEGORY.where(PRODUCTS.c.id.in_(KEYS))
PRODUCTS_BY_SKU = _WITH_CATEGORY.where(PRODUCTS.c.sku.in_(KEYS))
CATEGORIES_BY_ID = select(CATEGORIES).where(CATEGORIES.c.id.in_(KEYS))
PRODUCT_COUNTS = (select(PRODUCTS.c.category_id, func.count().label("products"))
                  .where(PRODUCTS.c.category_id.in_(KEYS)).group_by(PRODUCTS.c.category_id))
_RANKED = (select(PRODUCTS.c.id, func.row_number().over(partition_by=PRODUCTS.c.category_id,
                                                         order_by=PRODUCTS.c.id).label("rank"))
           .where(PRODUCTS.c.category_id.in_(KEYS), PRODUCTS.c.id > bindparam("after")).subquery())
# the first `size` products of each category after `after`
PRODUCT_PAGES = (select(PRODUCTS).join(_RANKED, _RANKED.c.id == PRODUCTS.c.id)
                 .where(_RANKED.c.rank <= bindparam("size")).order_by(PRODUCTS.c.id))


@dataclass
class Loaders:
    """Each loader is made on first use: most requests use one or two of them."""

    db: Database
    cache: ProductCache | None = None  # Redis in front of the product lookups, when configured

    @cached_property
    def product_by_id(self) -> DataLoader:
        return DataLoader(self._products_by_id)

    @cached_property
    def product_by_sku(self) -> DataLoader:
        return DataLoader(self._products_by_sku)

    @cached_property
    def category_by_id(self) -> DataLoader:
        return DataLoader(self._categories_by_id)

    @cached_property
    def products_page_by_category(self) -> DataLoader:
        return DataLoader(self._product_pages)

    @cached_property
    def product_count_by_category(self) -> DataLoader:
        return DataLoader(self._product_counts)

    async def _products_by_id(self, ids: list[int]) -> Sequence[ProductRow | None]:
        return await self._cached("id", ids, self._sql_products_by_id)

    async def _products_by_sku(self, skus: list[str]) -> Sequence[ProductRow | None]:
        return await self._cached("sku", skus, self._sql_products_by_sku)

    async def _cached(self, field: str, keys: list[Any], load: ProductLoad) -> Sequence[ProductRow | None]:
        """One MGET for the batch; only the misses go to SQL, and are written back."""
        if self.cache is None:
            return await load(keys)
        cached = await self.cache.get_many(field, keys)
        missing = [key for key, row in zip(keys, cached) if row is None]
        loaded = dict(zip(missing, await load(missing))) if missing else {}
        await self.cache.put_many(field, [row for row in loaded.values() if row is not None])
        return [row if row is not None else loaded.get(key) for key, row in zip(keys, cached)]

    async def _sql_products_by_id(self, ids: list[int]) -> list[Row[Any] | None]:
        return one_per_key(self._with_categories(await self.db.rows(PRODUCTS_BY_ID, {"keys": ids})), ids,
                           lambda p: p.id)

    async def _sql_products_by_sku(self, skus: list[str]) -> list[Row[Any] | None]:
        return one_per_key(self._with_categories(await self.db.rows(PRODUCTS_BY_SKU, {"keys": skus})), skus,
                           lambda p: p.sku)

    def _with_categories(self, rows: Sequence[Row[Any]]) -> Sequence[Row[Any]]:
        """The categories read beside the products go into their loader: `category` asks no SQL."""
        for row in rows:
            self.category_by_id.prime(row.category_id, CategoryFields(row.category_id, row.category_name,
                                                                      row.category_slug))
        return rows

    async def _categories_by_id(self, ids: list[int]) -> list[Row[Any] | None]:
        return one_per_key(await self.db.rows(CATEGORIES_BY_ID, {"keys": ids}), ids, lambda c: c.id)

    async def _product_pages(self, keys: list[PageKey]) -> list[list[ProductRow]]:
        """One windowed query per distinct (after, size) pair, usually exactly one."""
        by_shape: dict[tuple[int, int], list[int]] = defaultdict(list)
        for category_id, after, size in keys:
            by_shape[(after, size)].append(category_id)
        pages: dict[PageKey, list[ProductRow]] = defaultdict(list)
        for (after, size), category_ids in by_shape.items():
            params = {"keys": category_ids, "after": after, "size": size}
            for product in await self.db.rows(PRODUCT_PAGES, params):
                pages[(product.category_id, after, size)].append(product)
        return [pages.get(key, []) for key in keys]

    async def _product_counts(self, category_ids: list[int]) -> list[int]:
        rows = await self.db.rows(PRODUCT_COUNTS, {"keys": category_ids})
        counts = {row.category_id: row.products for row in rows}
        return [counts.get(c, 0) for c in category_ids]
