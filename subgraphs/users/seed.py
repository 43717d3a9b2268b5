"""Seed users from the shared deterministic data, and the OAuth clients; only into empty tables."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth import scopes
from auth.passwords import hash_password, verify_password
from subgraphs.common import seeddata
from subgraphs.common.credentials import ServiceClient, service_clients
from subgraphs.common.db import Database
from subgraphs.users.models import OAuthClient, User

FIRST_PARTY_CLIENTS = ("storefront", "mobile")
PARTNER_ID = "acme-partner"
PARTNER_SECRET = "acme-partner-secret"
PARTNER_SCOPES = scopes.CATALOG_READ
PARTNER_TIER = "partner-standard"
# the fulfilment partner records fulfilment, shipping and delivery of paid orders
FULFILMENT_ID = "swift-fulfilment"
FULFILMENT_SECRET = "swift-fulfilment-secret"


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
                OAuthClient(client_id=FULFILMENT_ID, secret_hash=hash_password(FULFILMENT_SECRET),
                            grant_types="client_credentials", scopes=scopes.ORDERS_FULFIL, tier=PARTNER_TIER),
            ])
    await db.reset_sequences(["users"])


async def register_service_clients(db: Database) -> None:
    """The services' own OAuth2 clients (orders-service, payments-service) with the secrets and
    scopes this process was given: added when missing, updated when the settings changed. Runs
    at every start, seeding or not, since their secrets come from settings, not from the seed."""
    for client in service_clients():
        try:
            async with db.session() as session, session.begin():
                await _register(session, client)
        except IntegrityError:  # another users process registered it a moment ago
            pass


async def _register(session: AsyncSession, client: ServiceClient) -> None:
    row = await session.get(OAuthClient, client.client_id)
    wanted = " ".join(client.scopes)
    if row is None:
        session.add(OAuthClient(client_id=client.client_id, secret_hash=hash_password(client.secret),
                                grant_types="client_credentials", scopes=wanted))
    elif row.scopes != wanted or not row.secret_hash or not verify_password(row.secret_hash, client.secret):
        row.secret_hash, row.scopes, row.grant_types = hash_password(client.secret), wanted, "client_credentials"
