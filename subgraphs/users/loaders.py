"""Per-request DataLoaders: one query per batch, however many users or addresses are asked for."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlalchemy import select

from subgraphs.common.db import Database
from subgraphs.common.loaders import many_per_key, one_per_key
from subgraphs.users.models import Address, User


@dataclass
class Loaders:
    user: DataLoader
    addresses: DataLoader


def create_loaders(db: Database) -> Loaders:
    async def load_users(ids: list[int]) -> list[User | None]:
        async with db.session() as session:
            rows = (await session.scalars(select(User).where(User.id.in_(ids)))).all()
        return one_per_key(rows, ids, lambda u: u.id)

    async def load_addresses(user_ids: list[int]) -> list[list[Address]]:
        async with db.session() as session:
            stmt = select(Address).where(Address.user_id.in_(user_ids)).order_by(Address.id)
            rows = (await session.scalars(stmt)).all()
        return many_per_key(rows, user_ids, lambda a: a.user_id)

    return Loaders(DataLoader(load_users), DataLoader(load_addresses))
