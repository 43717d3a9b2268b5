"""Seed users from the shared deterministic data, and the OAuth clients; only into empty tables."""

from __future__ import annotations

from sqlalchemy import func, select

from auth import scopes
from auth.passwords import hash_password
from subgraphs.common import seeddata
from subgraphs.common.db import Database
from subgraphs.users.models import OAuthClient, User

FIRST_PARTY_CLIENTS = ("storefront", "mobile")
PARTNER_ID = "acme-partner"
PARTNER_SECRET = "acme-partner-secret"
PARTNER_SCOPES = scopes.CATALOG_READ
PARTNER_TIER = "partner-standard"


async def seed(db: Database) -> None:
    async with db.session() as session, session.begin():
        if not await session.scalar(select(func.count()).select_from(User)):
            session.add_all(
                User(id=u.id, name=u.name, email=u.email, admin=u.admin, created_at=u.created_at,
                     # Only the demo accounts sign in; hashing just those keeps seeding fast.
                     password_hash=hash_password(u.password) if u.password else None)
                for u in seeddata.users()
            )
        if not await session.scalar(select(func.count()).select_from(OAuthClient)):
            session.add_all([
                *(OAuthClient(client_id=c, grant_types="password refresh_token") for c in FIRST_PARTY_CLIENTS),
                OAuthClient(client_id=PARTNER_ID, secret_hash=hash_password(PARTNER_SECRET),
                            grant_types="client_credentials", scopes=PARTNER_SCOPES, tier=PARTNER_TIER),
            ])
    await db.reset_sequences(["users"])
