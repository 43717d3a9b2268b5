"""The jti deny list: revoked access tokens stay refused until they would have expired anyway.

Redis shares it between the users service (which writes it on /oauth/revoke), the router's
workers and every subgraph; without Redis each process keeps its own."""

from __future__ import annotations

import time
from typing import Any, Protocol

from auth.redis_guard import RedisGuard
from auth.tokens import VerificationUnavailable


class Revocations(Protocol):
    async def is_revoked(self, jti: str) -> bool: ...

    async def revoke(self, jti: str, expires_at: int) -> None: ...


def revoked_key(prefix: str, jti: str) -> str:
    return f"{prefix}revoked:{jti}"


class MemoryRevocations:
    """In process; entries leave once their token has expired."""

    def __init__(self) -> None:
        self.entries: dict[str, int] = {}

    async def is_revoked(self, jti: str) -> bool:
        expires_at = self.entries.get(jti)
        if expires_at is not None and expires_at < time.time():
            del self.entries[jti]
            return False
        return expires_at is not None

    async def revoke(self, jti: str, expires_at: int) -> None:
        now = time.time()
        if len(self.entries) > 10_000:  # drop the expired before growing further
            self.entries = {k: v for k, v in self.entries.items() if v >= now}
        self.entries[jti] = expires_at


class RedisRevocations:
    """`<prefix>revoked:<jti>` keys that expire with their token, every call through a RedisGuard:
    after a failure Redis is left alone for `backoff` s instead of costing each request its
    timeout. While Redis cannot answer, a token is let through (`fail_open`: it is still verified
    and short-lived) or refused as VerificationUnavailable; the guard logs once per incident."""

    def __init__(self, redis: Any, prefix: str = "graft:", *, fail_open: bool = True, backoff: float = 2.0) -> None:
        self.redis = redis
        self.prefix = prefix
        self.fail_open = fail_open
        meanwhile = ("revoked tokens are not refused meanwhile" if fail_open
                     else "signed-in requests are refused (503) meanwhile")
        self.guard = RedisGuard("revocation list", backoff, meanwhile)

    async def is_revoked(self, jti: str) -> bool:
        found = await self.guard.call(lambda: self.redis.exists(revoked_key(self.prefix, jti)), None)
        if found is not None:
            return bool(found)
        if self.fail_open:
            return False
        raise VerificationUnavailable("the revocation list cannot be read right now", self.guard.retry_after())

    async def revoke(self, jti: str, expires_at: int) -> None:
        ttl = max(1, int(expires_at - time.time()))
        await self.guard.call(lambda: self.redis.set(revoked_key(self.prefix, jti), "1", ex=ttl), None)
