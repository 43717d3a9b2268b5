"""Access tokens: issued by the users service, verified by the router and every subgraph."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

from auth.keys import ALGORITHM, KeyStore

PublicKey = Any
KeyResolver = Callable[[str | None], Awaitable[PublicKey | None]]


@dataclass(frozen=True)
class TokenSettings:
    issuer: str = "graft"
    audience: str = "graft-api"
    access_ttl: int = 900
    leeway: int = 30
    algorithms: tuple[str, ...] = (ALGORITHM,)

    @classmethod
    def from_env(cls) -> "TokenSettings":
        return cls(
            issuer=os.environ.get("GRAFT_TOKEN_ISSUER", cls.issuer),
            audience=os.environ.get("GRAFT_TOKEN_AUDIENCE", cls.audience),
            access_ttl=int(os.environ.get("GRAFT_ACCESS_TOKEN_TTL", cls.access_ttl)),
        )


@dataclass(frozen=True)
class Claims:
    """Verified claims. `kind` tells a user's token from a partner client's."""

    subject: str
    kind: str
    scopes: frozenset[str]
    client_id: str | None
    jti: str
    issued_at: int
    expires_at: int
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def user_id(self) -> int | None:
        return int(self.subject) if self.kind == "user" else None


class TokenError(Exception):
    """Why a token was refused; safe to show the caller."""


class VerificationUnavailable(TokenError):
    """The token could not be checked right now (signing keys or deny list unreachable): not the
    token's fault, so worth a retry after `retry_after` seconds. A TokenError, so that code that
    knows only TokenError still refuses the token."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def issue_access_token(
    keys: KeyStore,
    settings: TokenSettings,
    *,
    subject: str,
    kind: str,
    scopes: Iterable[str],
    client_id: str | None = None,
    now: float | None = None,
    ttl: int | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """`extra_claims` (e.g. a partner's rate `tier`) cannot override the registered claims."""
    now = int(time.time() if now is None else now)
    payload = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": subject,
        "kind": kind,
        "iat": now,
        "nbf": now,
        "exp": now + (settings.access_ttl if ttl is None else ttl),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(sorted(set(scopes))),
        "client_id": client_id,
    }
    payload = {**(extra_claims or {}), **payload}
    key = keys.current
    return jwt.encode(payload, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


_REASONS: list[tuple[type[Exception], str]] = [
    (jwt.ExpiredSignatureError, "token has expired"),
    (jwt.ImmatureSignatureError, "token is not yet valid"),
    (jwt.InvalidAudienceError, "token is for another audience"),
    (jwt.InvalidIssuerError, "token has an unknown issuer"),
    (jwt.InvalidSignatureError, "token signature is invalid"),
    (jwt.MissingRequiredClaimError, "token lacks a required claim"),
]


async def verify_access_token(token: str, resolve_key: KeyResolver, settings: TokenSettings) -> Claims:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError("token is malformed") from exc
    if header.get("alg") not in settings.algorithms:
        raise TokenError(f"token algorithm {header.get('alg')!r} is not accepted")
    key = await resolve_key(header.get("kid"))
    if key is None:
        raise TokenError("token was signed with an unknown key")
    try:
        payload = jwt.decode(
            token, key, algorithms=list(settings.algorithms), audience=settings.audience,
            issuer=settings.issuer, leeway=settings.leeway,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
        )
    except jwt.PyJWTError as exc:
        reason = next((text for kind, text in _REASONS if isinstance(exc, kind)), "token is invalid")
        raise TokenError(reason) from exc
    return Claims(
        subject=str(payload["sub"]), kind=str(payload.get("kind", "user")),
        scopes=frozenset(str(payload.get("scope") or "").split()), client_id=payload.get("client_id"),
        jti=str(payload["jti"]), issued_at=int(payload["iat"]), expires_at=int(payload["exp"]), raw=payload,
    )
