"""`Authorization: Bearer` → verified claims, for the router and every subgraph alike."""

from __future__ import annotations

from auth.revocation import Revocations
from auth.tokens import Claims, KeyResolver, TokenError, TokenSettings, verify_access_token


class BearerVerifier:
    def __init__(self, resolve_key: KeyResolver, settings: TokenSettings,
                 revocations: Revocations | None = None) -> None:
        self.resolve_key = resolve_key
        self.settings = settings
        self.revocations = revocations

    async def verify(self, authorization: str | None) -> tuple[Claims, str] | None:
        """None without a header (anonymous); claims and the raw token for a good one;
        TokenError for anything else, including a revoked token."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenError("Authorization header must be 'Bearer <token>'")
        claims = await verify_access_token(token, self.resolve_key, self.settings)
        if self.revocations is not None and await self.revocations.is_revoked(claims.jti):
            raise TokenError("token has been revoked")
        return claims, token
