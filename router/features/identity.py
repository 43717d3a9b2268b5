"""The identity stage: `Authorization: Bearer` → a verified Caller, or 401 before any other work
(503 AUTH_UNAVAILABLE with Retry-After when the token cannot be checked right now).

Keys come from the authorization server's JWKS (refetched on an unknown kid, at most every
`jwks_refetch_floor` seconds, each fetch within `jwks_timeout`) or the local key file; revoked
jtis are refused through a deny list in Redis when configured, in process otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import redis.asyncio as aioredis

from auth.jwks import LocalKeys, RemoteJwks
from auth.keys import KeyStore, default_keys_path
from auth.revocation import MemoryRevocations, RedisRevocations, Revocations
from auth.tokens import KeyResolver, TokenError, TokenSettings, VerificationUnavailable
from auth.verifier import BearerVerifier
from router.config import AuthSettings, RouterSettings
from router.pipeline import Caller, RequestError, RouterRequest, Stage


class Authenticator:
    """Made once per process at start-up (it holds the JWKS cache and the deny list)."""

    def __init__(self, verifier: BearerVerifier, revocations: Revocations, trusted_proxy_hops: int = 0) -> None:
        self.verifier = verifier
        self.revocations = revocations
        self.trusted_proxy_hops = trusted_proxy_hops

    @classmethod
    def from_settings(cls, settings: RouterSettings, http: aiohttp.ClientSession,
                      redis: aioredis.Redis | None = None) -> Authenticator:
        auth = settings.auth
        revocations: Revocations = (
            RedisRevocations(redis, settings.redis.key_prefix, fail_open=auth.revocation_on_redis_error == "open")
            if redis is not None else MemoryRevocations())
        token_settings = TokenSettings(issuer=auth.issuer, audience=auth.audience, leeway=auth.leeway,
                                       algorithms=tuple(auth.algorithms))
        verifier = BearerVerifier(key_resolver(auth, http), token_settings, revocations)
        return cls(verifier, revocations, settings.trusted_proxy_hops)

    async def caller(self, headers: Mapping[str, str], remote: str | None) -> Caller:
        """Anonymous without a header; a bad, expired or revoked token is a 401."""
        address = client_address(remote, headers.get("X-Forwarded-For"), self.trusted_proxy_hops)
        try:
            verified = await self.verifier.verify(headers.get("Authorization"))
        except VerificationUnavailable as exc:
            raise auth_unavailable(exc) from exc
        except TokenError as exc:
            raise unauthenticated(str(exc)) from exc
        return Caller(verified[0] if verified else None, address)


def identity_stage(authenticator: Authenticator) -> Stage:
    """First of all stages: who is asking decides limits, tiers and what may be seen."""

    async def identity(request: RouterRequest) -> None:
        request.caller = await authenticator.caller(request.headers, request.remote)

    return Stage("identity", identity)


def key_resolver(auth: AuthSettings, http: aiohttp.ClientSession) -> KeyResolver:
    url = auth.jwks_url or (f"{str(auth.authorization_server).rstrip('/')}/.well-known/jwks.json"
                            if auth.authorization_server else None)
    if url is None:
        return LocalKeys(KeyStore.open(default_keys_path()))
    return RemoteJwks(str(url), http, floor=auth.jwks_refetch_floor, timeout=auth.jwks_timeout,
                      retry_interval=auth.jwks_retry_interval)


def unauthenticated(reason: str) -> RequestError:
    challenge = f'Bearer realm="graft", error="invalid_token", error_description="{reason}"'
    return RequestError(f"Invalid token: {reason}", status=401, headers={"WWW-Authenticate": challenge},
                        code="UNAUTHENTICATED")


def auth_unavailable(exc: VerificationUnavailable) -> RequestError:
    """503, not 401: the token may well be good, so the client should retry it, not drop it and
    sign in again (which needs the same unreachable authorization server)."""
    return RequestError(f"Token cannot be checked right now: {exc}; retry in {exc.retry_after} s", status=503,
                        headers={"Retry-After": str(exc.retry_after)}, code="AUTH_UNAVAILABLE",
                        extensions={"retryAfter": exc.retry_after})


def client_address(peer: str | None, forwarded_for: str | None, trusted_hops: int) -> str:
    """The caller's IP: the socket peer, or with `trusted_hops` proxies in front of us, the
    address that many hops back in X-Forwarded-For (never further than the header goes)."""
    if trusted_hops <= 0 or not forwarded_for:
        return peer or "unknown"
    hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if not hops:
        return peer or "unknown"
    return hops[-min(trusted_hops, len(hops))]
