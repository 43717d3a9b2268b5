"""The users service's OAuth2 authorization server: grants (RFC 6749) and revocation (RFC 7009)
over its own tables; auth/ supplies the keys, tokens and password hashes."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth import scopes
from auth.jwks import LocalKeys
from auth.keys import KeyStore
from auth.passwords import hash_password, verify_password_off_loop
from auth.tokens import TokenError, TokenSettings, issue_access_token, verify_access_token
from subgraphs.common.db import as_utc, rows_matched
from subgraphs.users.models import OAuthClient, RefreshToken, RevokedAccessToken, User

REFRESH_TTL = timedelta(days=30)
GRANT_TYPES = ("password", "refresh_token", "client_credentials")


class OAuthError(Exception):
    """An RFC 6749 §5.2 error; `status` 401 for invalid_client."""

    def __init__(self, error: str, description: str, status: int = 400, basic: bool = False) -> None:
        super().__init__(description)
        self.error, self.description, self.status, self.basic = error, description, status, basic

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str
    client_id: str | None = None
    client_secret: str | None = None
    basic: bool = False  # the client sent HTTP Basic credentials
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    token_type: str = "Bearer"

    def body(self) -> dict[str, Any]:
        out = {"access_token": self.access_token, "token_type": self.token_type,
               "expires_in": self.expires_in, "scope": self.scope}
        return out | ({"refresh_token": self.refresh_token} if self.refresh_token else {})


@dataclass
class Issuer:
    keys: KeyStore
    settings: TokenSettings


def hash_refresh(token: str) -> str:
    """Refresh tokens are long random strings: SHA-256 is enough and allows lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_scopes(user: User) -> frozenset[str]:
    return frozenset(scopes.ADMIN_SCOPES if user.admin else scopes.SHOPPER)


def narrow(allowed: frozenset[str], requested: str | None) -> frozenset[str]:
    """The requested scopes if all are allowed; none requested means all allowed."""
    if requested is None or not requested.strip():
        return allowed
    wanted = frozenset(requested.split())
    if beyond := wanted - allowed:
        raise OAuthError("invalid_scope", f"scope not allowed: {' '.join(sorted(beyond))}")
    return wanted


async def authenticate_client(session: AsyncSession, req: TokenRequest) -> OAuthClient:
    if not req.client_id:
        raise OAuthError("invalid_request", "client_id is required (form field or HTTP Basic)")
    client = await session.get(OAuthClient, req.client_id)
    if client is None:
        raise OAuthError("invalid_client", "unknown client", 401, req.basic)
    if client.secret_hash is not None:
        if not req.client_secret or not await _check_secret(session, client.secret_hash, req.client_secret):
            raise OAuthError("invalid_client", "client authentication failed", 401, req.basic)
    elif req.client_secret:
        raise OAuthError("invalid_client", "this public client has no secret", 401, req.basic)
    return client


async def token(session: AsyncSession, issuer: Issuer, req: TokenRequest) -> TokenResponse:
    """Handles one token request; the caller commits `session` on success."""
    if req.grant_type not in GRANT_TYPES:
        raise OAuthError("unsupported_grant_type", f"grant_type {req.grant_type!r} is not supported")
    client = await authenticate_client(session, req)
    if req.grant_type not in client.grant_types.split():
        raise OAuthError("unauthorized_client", f"client may not use grant_type {req.grant_type}")
    if req.grant_type == "password":
        return await _password(session, issuer, client, req)
    if req.grant_type == "refresh_token":
        return await _refresh(session, issuer, client, req)
    return _client_credentials(issuer, client, req)


def _required(value: str | None, name: str) -> str:
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


async def _password(session: AsyncSession, issuer: Issuer, client: OAuthClient, req: TokenRequest) -> TokenResponse:
    email = _required(req.username, "username").strip().lower()
    password = _required(req.password, "password")
    user = await session.scalar(select(User).where(User.email == email))
    # Verify against a dummy hash for unknown emails so timing does not reveal who has an account.
    stored = user.password_hash if user is not None and user.password_hash else dummy_hash()
    if not await _check_secret(session, stored, password) or user is None or not user.password_hash:
        raise OAuthError("invalid_grant", "wrong email or password")
    granted = narrow(user_scopes(user), req.scope)
    refresh = _new_refresh(session, user.id, client.client_id, granted, uuid.uuid4().hex)
    return _user_response(issuer, user.id, client.client_id, granted, refresh)


async def _refresh(session: AsyncSession, issuer: Issuer, client: OAuthClient, req: TokenRequest) -> TokenResponse:
    presented = _required(req.refresh_token, "refresh_token")
    row = await session.get(RefreshToken, hash_refresh(presented))
    if row is None or row.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if as_utc(row.expires_at) <= datetime.now(timezone.utc):
        raise OAuthError("invalid_grant", "refresh token has expired")
    granted = narrow(frozenset(row.scope.split()), req.scope)
    # Claim the token atomically, so two concurrent uses cannot both rotate it.
    claimed = await rows_matched(session, (
        update(RefreshToken).where(RefreshToken.token_hash == row.token_hash, RefreshToken.used.is_(False),
                                   RefreshToken.revoked.is_(False)).values(used=True)
    ))
    if claimed != 1:
        # Re-use of a rotated token means it leaked: end the whole login.
        await session.execute(update(RefreshToken).where(RefreshToken.family == row.family).values(revoked=True))
        await session.commit()
        raise OAuthError("invalid_grant", "refresh token was already used; its session is revoked")
    user = await session.get(User, row.user_id)
    if user is None:
        raise OAuthError("invalid_grant", "the token's user no longer exists")
    refresh = _new_refresh(session, user.id, client.client_id, granted, row.family)
    return _user_response(issuer, user.id, client.client_id, granted, refresh)


def _client_credentials(issuer: Issuer, client: OAuthClient, req: TokenRequest) -> TokenResponse:
    granted = narrow(frozenset(client.scopes.split()), req.scope)
    access = issue_access_token(issuer.keys, issuer.settings, subject=client.client_id, kind="client",
                                scopes=granted, client_id=client.client_id,
                                extra_claims={"tier": client.tier} if client.tier else None)
    return TokenResponse(access, issuer.settings.access_ttl, " ".join(sorted(granted)))


async def _check_secret(session: AsyncSession, stored_hash: str, given: str) -> bool:
    """Argon2 in the password threads, with the session's connection back in the pool meanwhile,
    so sign-ins queued behind the threads never starve other queries of connections. The rows
    read stay readable; the session begins afresh on its next use."""
    await session.close()
    return await verify_password_off_loop(stored_hash, given)


@functools.cache
def dummy_hash() -> str:
    """What an unknown email's password is checked against: the same Argon2 work as a real one.
    Made at start (oauth_routes), so the first unknown email is not slower than the rest."""
    return hash_password(secrets.token_urlsafe(16))


def _new_refresh(session: AsyncSession, user_id: int, client_id: str, granted: frozenset[str], family: str) -> str:
    value = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=hash_refresh(value), family=family, user_id=user_id, client_id=client_id,
                             scope=" ".join(sorted(granted)), expires_at=datetime.now(timezone.utc) + REFRESH_TTL))
    return value


def _user_response(issuer: Issuer, user_id: int, client_id: str, granted: frozenset[str], refresh: str) -> TokenResponse:
    access = issue_access_token(issuer.keys, issuer.settings, subject=str(user_id), kind="user",
                                scopes=granted, client_id=client_id)
    return TokenResponse(access, issuer.settings.access_ttl, " ".join(sorted(granted)), refresh)


@dataclass(frozen=True)
class RevokedAccess:
    jti: str
    expires_at: int


async def revoke(session: AsyncSession, issuer: Issuer, client: OAuthClient, token_value: str) -> RevokedAccess | None:
    """RFC 7009: a refresh token ends its family; an access token's jti is recorded until it
    expires (returned so the caller can mirror it to Redis). Unknown tokens, and refresh
    tokens of another client, are ignored."""
    row = await session.get(RefreshToken, hash_refresh(token_value))
    if row is not None:
        if row.client_id != client.client_id:
            return None
        await session.execute(update(RefreshToken).where(RefreshToken.family == row.family).values(revoked=True))
        return None
    try:
        claims = await verify_access_token(token_value, LocalKeys(issuer.keys), issuer.settings)
    except TokenError:
        return None  # malformed, foreign or already expired: nothing left to revoke
    if await session.get(RevokedAccessToken, claims.jti) is None:
        session.add(RevokedAccessToken(jti=claims.jti,
                                       expires_at=datetime.fromtimestamp(claims.expires_at, timezone.utc)))
    return RevokedAccess(claims.jti, claims.expires_at)
