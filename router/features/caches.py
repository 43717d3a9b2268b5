"""The router's caches, built from the `cache:` and `redis:` settings: plans shared through
Redis (plan_cache), and `_entities` results (entity_cache) in Redis or in process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from router.features.entity_cache import EntityCache, LocalStore, RedisStore
from router.features.plan_cache import SharedPlanCache
from router.features.redis_guard import redis_client


@dataclass
class Caches:
    plan_size: int = 2048
    shared_plans: SharedPlanCache | None = None
    entities: EntityCache | None = None
    redis: aioredis.Redis | None = None

    async def close(self) -> None:
        if self.entities is not None:
            await self.entities.close()
        if self.redis is not None:
            await self.redis.aclose()


def build_caches(settings: Any) -> Caches:
    """One Redis client per gateway (its pool is per event loop); none without redis.url."""
    cache, url, prefix = settings.cache, settings.redis.url, settings.redis.key_prefix
    redis = redis_client(url) if url and (cache.plan_redis or cache.entity) else None
    shared = SharedPlanCache(redis, prefix, cache.plan_redis_ttl) if redis is not None and cache.plan_redis else None
    entities = None
    if cache.entity:
        store = RedisStore(redis) if redis is not None else LocalStore(cache.entity_size)
        entities = EntityCache(store, prefix, default_ttl=cache.default_ttl, max_ttl=cache.max_ttl,
                               versioned=redis is not None)
    return Caches(cache.plan_size, shared, entities, redis)
