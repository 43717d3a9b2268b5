"""Seed the users' share of the deterministic marketplace, once."""

from __future__ import annotations

from sqlalchemy import func, select

from auth.passwords import hash_password
from subgraphs.common import seeddata
from subgraphs.common.db import Database
from subgraphs.users.models import Address, User


async def seed(db: Database) -> bool:
    async with db.session() as session, session.begin():
        if await session.scalar(select(func.count(User.id))):
            return False
        session.add_all(
            User(id=u.id, name=u.name, email=u.email, is_admin=u.admin, created_at=u.created_at,
                 password_hash=hash_password(u.password) if u.password else None)
            for u in seeddata.users()
        )
        await session.flush()
        session.add_all(
            Address(user_id=u.id, line1=f"{u.id} Analytical Way", city="London", postal_code=f"N{u.id % 20} 1AA", country="GB")
            for u in seeddata.users()
        )
    await db.reset_sequences(["users", "addresses"])
    return True
