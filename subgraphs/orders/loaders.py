"""Per-request DataLoaders for orders, their items, and each buyer's orders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func, select

from subgraphs.common.db import Database
from subgraphs.common.loaders import DataLoader, many_per_key, one_per_key
from subgraphs.orders.models import Order, OrderItem

# (buyer id, order id the page starts below — newest first, page size)
PageKey = tuple[int, int, int]
NO_CURSOR = 2**31 - 1


@dataclass
class Loaders:
    """Each loader is made on first use: most requests use one or two of them."""

    db: Database

    @cached_property
    def order_by_id(self) -> DataLoader:
        return DataLoader(self._orders)

    @cached_property
    def items_by_order(self) -> DataLoader:
        return DataLoader(self._items)

    @cached_property
    def orders_page_by_buyer(self) -> DataLoader:
        return DataLoader(self._pages)

    @cached_property
    def order_count_by_buyer(self) -> DataLoader:
        return DataLoader(self._counts)

    async def _orders(self, ids: list[int]) -> list[Order | None]:
        return one_per_key(await self.db.objects(select(Order).where(Order.id.in_(ids))), ids, lambda o: o.id)

    async def _items(self, order_ids: list[int]) -> list[list[OrderItem]]:
        rows = await self.db.objects(select(OrderItem).where(OrderItem.order_id.in_(order_ids)).order_by(OrderItem.id))
        return many_per_key(rows, order_ids, lambda i: i.order_id)

    async def _pages(self, keys: list[PageKey]) -> list[list[Order]]:
        by_shape: dict[tuple[int, int], list[int]] = defaultdict(list)
        for buyer_id, before, size in keys:
            by_shape[(before, size)].append(buyer_id)
        pages: dict[PageKey, list[Order]] = defaultdict(list)
        for (before, size), buyers in by_shape.items():
            rank = func.row_number().over(partition_by=Order.buyer_id, order_by=Order.id.desc()).label("rank")
            inner = select(Order.id, rank).where(Order.buyer_id.in_(buyers), Order.id < before).subquery()
            query = select(Order).join(inner, inner.c.id == Order.id).where(inner.c.rank <= size)
            for order in await self.db.objects(query.order_by(Order.id.desc())):
                pages[(order.buyer_id, before, size)].append(order)
        return [pages.get(key, []) for key in keys]

    async def _counts(self, buyers: list[int]) -> list[int]:
        counted = func.count().label("orders")
        rows = await self.db.rows(
            select(Order.buyer_id, counted).where(Order.buyer_id.in_(buyers)).group_by(Order.buyer_id))
        counts = {row.buyer_id: row.orders for row in rows}
        return [counts.get(b, 0) for b in buyers]
