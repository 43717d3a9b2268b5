"""Who is calling a subgraph: claims from a Bearer token the subgraph verifies itself."""

from __future__ import annotations

import os
from dataclasses import dataclass

import aiohttp
import orjson
from aiohttp import web

from auth import scopes
from auth.jwks import LocalKeys, RemoteJwks
from auth.keys import KeyStore, default_keys_path
from auth.tokens import Claims, KeyResolver, TokenError, TokenSettings, verify_access_token


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
        return scope in self.scopes or self.is_admin

    def forward_headers(self) -> dict[str, str]:
        """Headers for a call to a peer subgraph on this caller's behalf."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


ANONYMOUS = Identity()


class IdentityVerifier:
    def __init__(self, resolve_key: KeyResolver, settings: TokenSettings) -> None:
        self.resolve_key = resolve_key
        self.settings = settings

    @classmethod
    def from_env(cls, http: aiohttp.ClientSession) -> "IdentityVerifier":
        """GRAFT_JWKS_URL when set (production); else the shared local key file (make run, tests)."""
        url = os.environ.get("GRAFT_JWKS_URL")
        resolver: KeyResolver = RemoteJwks(url, http) if url else LocalKeys(KeyStore.open(default_keys_path()))
        return cls(resolver, TokenSettings.from_env())

    async def identify(self, authorization: str | None) -> Identity:
        """No header: anonymous. A header that is not a valid Bearer token: TokenError."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenError("Authorization header must be 'Bearer <token>'")
        token = token.strip()
        return Identity(await verify_access_token(token, self.resolve_key, self.settings), token)


def unauthenticated(reason: str) -> web.HTTPUnauthorized:
    """The 401 a subgraph answers for a bad token, as a GraphQL response."""
    body = {"errors": [{"message": f"Invalid token: {reason}", "extensions": {"code": "UNAUTHENTICATED"}}]}
    return web.HTTPUnauthorized(
        text=orjson.dumps(body).decode(), content_type="application/json",
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
    )
