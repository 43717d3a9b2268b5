"""The jti deny list: revoked access tokens stay refused until they would have expired anyway.

Redis shares it between the users service (which writes it on /oauth/revoke), the router's
workers and every subgraph; without Redis each process keeps its own."""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

log = logging.getLogger("graft.auth")


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
    """`<prefix>revoked:<jti>` keys that expire with their token. If Redis cannot answer, the
    token is let through (it is still verified and short-lived) and the outage logged once."""

    def __init__(self, redis: Any, prefix: str = "graft:") -> None:
        self.redis = redis
        self.prefix = prefix
        self.failing = False

    async def is_revoked(self, jti: str) -> bool:
        try:
            found = bool(await self.redis.exists(revoked_key(self.prefix, jti)))
        except Exception as exc:  # redis.exceptions.RedisError, OSError, timeouts
            self._failed(exc)
            return False
        self._recovered()
        return found

    async def revoke(self, jti: str, expires_at: int) -> None:
        ttl = max(1, int(expires_at - time.time()))
        try:
            await self.redis.set(revoked_key(self.prefix, jti), "1", ex=ttl)
        except Exception as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if not self.failing:
            log.warning("revocation list in Redis unreachable (%s); revoked tokens are not refused meanwhile", exc)
            self.failing = True

    def _recovered(self) -> None:
        if self.failing:
            log.warning("revocation list in Redis reachable again")
            self.failing = False
