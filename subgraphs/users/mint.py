"""`graft token`: an access token for scripts, straight from the users database and key file."""

from __future__ import annotations

from sqlalchemy import select

from auth.keys import KeyStore, default_keys_path
from auth.tokens import TokenSettings, issue_access_token
from subgraphs.common import migrations
from subgraphs.common.db import Database
from subgraphs.common.settings import ServiceSettings
from subgraphs.users.models import Base, OAuthClient, User
from subgraphs.users.oauth import OAuthError, narrow, user_scopes
from subgraphs.users.seed import seed


class MintError(Exception):
    """Why no token could be made; shown to the caller."""


async def mint_token(*, email: str | None, client_id: str | None, scope: str | None) -> str:
    settings = ServiceSettings.from_env("users")
    db = Database(settings.database_url, Base.metadata, schema=settings.database_schema)
    try:
        await migrations.prepare(db, "users", settings.db_setup, seed if settings.seed else None)
        async with db.session() as session:
            if email:
                user = await session.scalar(select(User).where(User.email == email.strip().lower()))
                if user is None:
                    raise MintError(f"no user with email {email}")
                subject, kind, allowed, extra = str(user.id), "user", user_scopes(user), None
            else:
                client = await session.get(OAuthClient, client_id)
                if client is None or client.secret_hash is None:
                    raise MintError(f"no partner client {client_id}")
                subject, kind, allowed = client.client_id, "client", frozenset(client.scopes.split())
                extra = {"tier": client.tier} if client.tier else None
    finally:
        await db.dispose()
    try:
        granted = narrow(allowed, scope)
    except OAuthError as exc:
        raise MintError(exc.description) from exc
    return issue_access_token(KeyStore.open(default_keys_path()), TokenSettings.from_env(), subject=subject,
                              kind=kind, scopes=granted, client_id=client_id, extra_claims=extra)
