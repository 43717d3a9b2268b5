"""Calls to Redis that never fail a request: an error is a cache miss, logged once per incident."""

from __future__ import annotations

import logging
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
    """After a failure, calls are skipped for `backoff` seconds; the first failure of an incident
    and the recovery after it are logged, nothing in between."""

    def __init__(self, what: str, backoff: float = 2.0) -> None:
        self.what = what
        self.backoff = backoff
        self.failing_since: float | None = None
        self.retry_at = 0.0
        self.failures = 0

    async def call(self, action: Callable[[], Awaitable[T]], default: T) -> T:
        if self.failing_since is not None and time.monotonic() < self.retry_at:
            return default
        try:
            value = await action()
        except (RedisError, OSError) as exc:
            self.failures += 1
            if self.failing_since is None:
                self.failing_since = time.monotonic()
                log.warning("%s: Redis unavailable, working without it (%s: %s)", self.what,
                            type(exc).__name__, exc)
            self.retry_at = time.monotonic() + self.backoff
            return default
        if self.failing_since is not None:
            log.warning("%s: Redis is back after %.1f s", self.what, time.monotonic() - self.failing_since)
            self.failing_since = None
        return value
