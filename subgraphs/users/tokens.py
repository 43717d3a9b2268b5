"""`graft token --user EMAIL`: an access token for scripts and for trying the graph locally,
signed with the same keys the services verify against."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from auth import scopes as known
from auth.keys import KeyStore, default_keys_path
from auth.tokens import TokenSettings, issue_access_token
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings
from subgraphs.users.models import Base, User
from subgraphs.users.seed import seed


class TokenRequestError(Exception):
    pass


async def token_for_user(email: str, requested: Iterable[str] = ()) -> str:
    settings = SubgraphSettings.from_env("users")
    db = Database(settings.database_url, Base.metadata, schema=settings.database_schema)
    try:
        await db.create_all()
        await seed(db)
        async with db.session() as session:
            user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    finally:
        await db.dispose()
    if user is None:
        raise TokenRequestError(f"no user with email {email!r}")
    granted = set(known.ADMIN_SCOPES if user.is_admin else known.SHOPPER)
    wanted = set(requested) or granted
    if not wanted <= granted:
        raise TokenRequestError(f"{email} may not have scope(s): {', '.join(sorted(wanted - granted))}")
    return issue_access_token(KeyStore.open(default_keys_path()), TokenSettings.from_env(),
                              subject=str(user.id), kind="user", scopes=wanted, client_id="graft-cli")
