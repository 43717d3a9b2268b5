"""Who is calling a subgraph: claims from a Bearer token the subgraph verifies itself."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from auth import scopes
from auth.jwks import LocalKeys, RemoteJwks
from auth.keys import KeyStore
from auth.revocation import RedisRevocations, Revocations
from auth.tokens import Claims, KeyResolver, TokenSettings, VerificationUnavailable
from auth.verifier import BearerVerifier
from subgraphs.common.errors import FORBIDDEN, UNAUTHENTICATED, graphql_error
from subgraphs.common.settings import jwks_url


@dataclass(frozen=True)
class Identity:
    claims: Claims | None = None
    token: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.claims is None

    @property
    def user_id(self) -> int | None:
        return self.claims.user_id if self.claims else None

    @property
    def client_id(self) -> str | None:
        return self.claims.client_id if self.claims else None

    @property
    def scopes(self) -> frozenset[str]:
        return self.claims.scopes if self.claims else frozenset()

    @property
    def is_admin(self) -> bool:
        return scopes.ADMIN in self.scopes

    def has_scope(self, scope: str) -> bool:
        """`admin` implies every scope but the service-only ones, which only services hold."""
        return scope in self.scopes or (self.is_admin and scope not in scopes.SERVICE)


ANONYMOUS = Identity()


def require_scope(identity: Identity, scope: str) -> None:
    """For writes and fields only some callers may use: a signed-in caller with `scope` (or admin,
    unless `scope` is service-only)."""
    if identity.anonymous:
        raise graphql_error("Sign in first", UNAUTHENTICATED)
    if not identity.has_scope(scope):
        raise graphql_error(f"This needs the {scope} scope", FORBIDDEN)


def require_owner(identity: Identity, owner_id: int, what: str, override: str = scopes.ADMIN) -> None:
    """A shopper sees only their own `what` (orders, payments); a caller with `override` sees all."""
    if identity.anonymous:
        raise graphql_error(f"Sign in to see {what}", UNAUTHENTICATED)
    if identity.user_id != owner_id and not identity.has_scope(override):
        raise graphql_error(f"These {what} belong to someone else", FORBIDDEN)


class IdentityVerifier:
    def __init__(self, resolve_key: KeyResolver, settings: TokenSettings,
                 revocations: Revocations | None = None) -> None:
        self.bearer = BearerVerifier(resolve_key, settings, revocations)

    @classmethod
    def from_env(cls, http: aiohttp.ClientSession, redis: Any = None, keys: KeyStore | None = None) -> "IdentityVerifier":
        """The users service verifies with its own signing `keys`; every other subgraph with the
        users service's JWKS (settings.jwks_url), fetched with a timeout, cached, refetched on an
        unknown kid: one path in every mode. With Redis, tokens revoked through the users service
        are refused here too (the deny list)."""
        resolver: KeyResolver = LocalKeys(keys) if keys is not None else RemoteJwks(jwks_url(), http)
        # the router's deny list is under the same prefix (its redis.key_prefix)
        prefix = os.environ.get("GRAFT_REDIS_KEY_PREFIX", "graft:")
        return cls(resolver, TokenSettings.from_env(), RedisRevocations(redis, prefix) if redis is not None else None)

    @property
    def revocations(self) -> Revocations | None:
        """The deny list tokens are checked against (Redis), where a revoke also goes."""
        return self.bearer.revocations

    async def identify(self, authorization: str | None) -> Identity:
        """No header: anonymous. A header that is not a valid Bearer token: TokenError."""
        verified = await self.bearer.verify(authorization)
        return ANONYMOUS if verified is None else Identity(*verified)


def auth_unavailable(exc: VerificationUnavailable) -> web.HTTPServiceUnavailable:
    """503 with Retry-After, not 401: the token may be good, but the keys (the users service's
    JWKS) or the deny list cannot be read right now."""
    body = {"errors": [{"message": f"Token cannot be checked right now: {exc}",
                        "extensions": {"code": "AUTH_UNAVAILABLE", "retryAfter": exc.retry_after}}]}
    return web.HTTPServiceUnavailable(text=orjson.dumps(body).decode(), content_type="application/json",
                                      headers={"Retry-After": str(exc.retry_after)})


def unauthenticated(reason: str) -> web.HTTPUnauthorized:
    """The 401 a subgraph answers for a bad token, as a GraphQL response."""
    body = {"errors": [{"message": f"Invalid token: {reason}", "extensions": {"code": UNAUTHENTICATED}}]}
    return web.HTTPUnauthorized(
        text=orjson.dumps(body).decode(), content_type="application/json",
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
    )
