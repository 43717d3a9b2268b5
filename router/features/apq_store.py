"""Where automatic persisted queries live: Redis when the router has one (shared by every worker
and instance), else a bounded LRU in this process."""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from auth.redis_guard import RedisGuard, redis_client

KEY_PREFIX = "apq:"


class ApqStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...

    async def close(self) -> None: ...


class MemoryApqStore:
    """A bounded LRU: the least recently used query goes when a new one would overflow it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, str] = OrderedDict()

    async def get(self, sha256: str) -> str | None:
        query = self.entries.get(sha256)
        if query is not None:
            self.entries.move_to_end(sha256)
        return query

    async def put(self, sha256: str, query: str) -> None:
        self.entries[sha256] = query
        self.entries.move_to_end(sha256)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    async def close(self) -> None:
        self.entries.clear()


class RedisApqStore:
    """`<redis.key_prefix>apq:<sha256>` → query text, expiring after `ttl` seconds. Redis being
    down costs a registration or a hit (logged once per incident), never the request."""

    def __init__(self, url: str, prefix: str, ttl: int) -> None:
        self.redis = redis_client(url)
        self.guard = RedisGuard("APQ")
        self.prefix = prefix + KEY_PREFIX
        self.ttl = ttl

    async def get(self, sha256: str) -> str | None:
        found = await self.guard.call(lambda: self.redis.get(self.prefix + sha256), None)
        return found.decode() if isinstance(found, bytes) else found

    async def put(self, sha256: str, query: str) -> None:
        await self.guard.call(lambda: self.redis.set(self.prefix + sha256, query, ex=self.ttl), None)

    async def close(self) -> None:
        await self.redis.aclose()
