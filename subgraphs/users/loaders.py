"""Per-request DataLoaders: one query per batch, however many users or addresses are asked for."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.loaders import DataLoader, many_per_key, one_per_key
from subgraphs.users.models import Address, User


@dataclass
class Loaders:
    """Each loader is made on first use: most requests use one or two of them."""

    db: Database

    @cached_property
    def user_by_id(self) -> DataLoader:
        return DataLoader(self._users)

    @cached_property
    def addresses_by_user(self) -> DataLoader:
        return DataLoader(self._addresses)

    async def _users(self, ids: list[int]) -> list[User | None]:
        return one_per_key(await self.db.objects(select(User).where(User.id.in_(ids))), ids, lambda u: u.id)

    async def _addresses(self, user_ids: list[int]) -> list[list[Address]]:
        rows = await self.db.objects(select(Address).where(Address.user_id.in_(user_ids)).order_by(Address.id))
        return many_per_key(rows, user_ids, lambda a: a.user_id)
