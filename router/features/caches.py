"""The router's caches for one supergraph, built from the `cache:` and `redis:` settings: plans
(plan_cache, in process and shared through Redis) and `_entities` results (entity_cache, a layer
around the subgraph client, in Redis or in process)."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from auth.redis_guard import redis_client
from router.config import RouterSettings
from router.execution.client import Subgraphs
from router.features.entity_cache import EntityCache, EntityStore, LocalStore, RedisStore
from router.features.plan_cache import PlanCache, SharedPlans
from router.features.subgraph_metrics import MeasuredSubgraphs
from router.features.tracing import start_tracing


@dataclass
class Caches:
    plans: PlanCache
    subgraphs: Subgraphs  # the measured client, or the entity cache wrapped around it
    entities: EntityCache | None = None
    redis: aioredis.Redis | None = None

    async def close(self) -> None:
        if self.entities is not None:
            await self.entities.close()
        if self.redis is not None:
            await self.redis.aclose()


def build_caches(settings: RouterSettings, client: Subgraphs) -> Caches:
    """One Redis client per supergraph (its pool is per event loop); none without redis.url."""
    cache, url, prefix = settings.cache, settings.redis.url, settings.redis.key_prefix
    redis = redis_client(url) if url and (cache.plan_redis or cache.entity) else None
    shared = SharedPlans(redis, prefix, cache.plan_redis_ttl) if redis is not None and cache.plan_redis else None
    plans = PlanCache(cache.plan_size, shared)
    measured = MeasuredSubgraphs(client, start_tracing(settings.telemetry.tracing))
    if not cache.entity:
        return Caches(plans, measured, None, redis)
    store: EntityStore = RedisStore(redis) if redis is not None else LocalStore(cache.entity_size)
    entities = EntityCache(measured, store, prefix, default_ttl=cache.default_ttl, max_ttl=cache.max_ttl,
                           versioned=redis is not None)
    return Caches(plans, entities, entities, redis)
