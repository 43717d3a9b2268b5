"""Per-request DataLoaders: one query per batch, however many users or addresses are asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.loaders import DataLoader, many_per_key, one_per_key
from subgraphs.users.models import Address, User


@dataclass
class Loaders:
    db: Database
    user_by_id: DataLoader = field(init=False)
    addresses_by_user: DataLoader = field(init=False)

    def __post_init__(self) -> None:
        self.user_by_id = DataLoader(self._users)
        self.addresses_by_user = DataLoader(self._addresses)

    async def _users(self, ids: list[int]) -> list[User | None]:
        return one_per_key(await self.db.objects(select(User).where(User.id.in_(ids))), ids, lambda u: u.id)

    async def _addresses(self, user_ids: list[int]) -> list[list[Address]]:
        rows = await self.db.objects(select(Address).where(Address.user_id.in_(user_ids)).order_by(Address.id))
        return many_per_key(rows, user_ids, lambda a: a.user_id)
