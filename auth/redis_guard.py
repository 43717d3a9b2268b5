"""Calls to Redis that never fail a request: an error is a miss (or whatever the caller takes a
missing answer to mean), logged once per incident, and Redis is left alone for a while after it.

Here in auth/ because the deny list needs it too (auth imports nothing of the router); the
router's caches, APQ store and plan cache use the same guard."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("graft.redis")
T = TypeVar("T")


def redis_client(url: str) -> aioredis.Redis:
    """Short timeouts: a slow or absent Redis costs a request little, then is skipped a while."""
    return aioredis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


class RedisGuard:
    """After a failure, calls are skipped for `backoff` seconds, then one call at a time probes
    Redis while the others keep skipping, so a Redis that accepts connections but never answers
    costs one request the socket timeout per `backoff`, not every request. The first failure of
    an incident and the recovery after it are logged, nothing in between; `meanwhile` says what
    the caller does without Redis."""

    def __init__(self, what: str, backoff: float = 2.0, meanwhile: str = "working without it") -> None:
        self.what = what
        self.backoff = backoff
        self.meanwhile = meanwhile
        self.failing_since: float | None = None
        self.retry_at = 0.0
        self.failures = 0

    @property
    def down(self) -> bool:
        return self.failing_since is not None

    def retry_after(self) -> int:
        """Whole seconds until Redis is asked again (at least 1), for a Retry-After header."""
        return max(1, math.ceil(self.retry_at - time.monotonic()))

    async def call(self, action: Callable[[], Awaitable[T]], default: T) -> T:
        if self.failing_since is not None:
            now = time.monotonic()
            if now < self.retry_at:
                return default
            self.retry_at = now + self.backoff  # this call probes; the others skip until it is done
        try:
            value = await action()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return default
        if self.failing_since is not None:
            log.warning("%s: Redis is back after %.1f s", self.what, time.monotonic() - self.failing_since)
            self.failing_since = None
        return value

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
            log.warning("%s: Redis unavailable, %s (%s: %s)", self.what, self.meanwhile, type(exc).__name__, exc)
        self.retry_at = time.monotonic() + self.backoff
