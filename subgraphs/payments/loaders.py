"""Per-request DataLoaders for payments and refunds."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.loaders import DataLoader, many_per_key, one_per_key
from subgraphs.payments.models import Payment, Refund


@dataclass
class Loaders:
    """Each loader is made on first use: most requests use one or two of them."""

    db: Database

    @cached_property
    def payment_by_id(self) -> DataLoader:
        return DataLoader(self._payments)

    @cached_property
    def payments_by_order(self) -> DataLoader:
        return DataLoader(self._by_order)

    @cached_property
    def refunds_by_payment(self) -> DataLoader:
        return DataLoader(self._refunds)

    async def _payments(self, ids: list[int]) -> list[Payment | None]:
        return one_per_key(await self.db.objects(select(Payment).where(Payment.id.in_(ids))), ids, lambda p: p.id)

    async def _by_order(self, order_ids: list[int]) -> list[list[Payment]]:
        rows = await self.db.objects(select(Payment).where(Payment.order_id.in_(order_ids)).order_by(Payment.id))
        return many_per_key(rows, order_ids, lambda p: p.order_id)

    async def _refunds(self, payment_ids: list[int]) -> list[list[Refund]]:
        rows = await self.db.objects(select(Refund).where(Refund.payment_id.in_(payment_ids)).order_by(Refund.id))
        return many_per_key(rows, payment_ids, lambda r: r.payment_id)
