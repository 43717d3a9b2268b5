"""Plans shared by every router through Redis, behind each router's in-process LRU: a plan
computed once is planned nowhere else while it lives. Stored as JSON (planning/codec), never
pickled; the key holds the supergraph hash and the codec format."""

from __future__ import annotations

import hashlib
import logging

import orjson
import redis.asyncio as aioredis

from router.features.metrics import cache_lookup
from router.features.redis_guard import RedisGuard
from router.planning.codec import FORMAT, PlanDecodeError, plan_from_dict, plan_to_dict
from router.planning.plan import QueryPlan

log = logging.getLogger("graft.plan_cache")
PlanKey = tuple[str, str, str | None]  # supergraph sha, document hash, operation name


class SharedPlanCache:
    def __init__(self, redis: aioredis.Redis, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.guard = RedisGuard("plan cache")

    def key(self, key: PlanKey) -> str:
        sha, document, name = key
        operation = hashlib.sha256((name or "").encode()).hexdigest()[:16] if name else "-"
        return f"{self.prefix}plan:v{FORMAT}:{sha}:{document}:{operation}"

    async def get(self, key: PlanKey) -> QueryPlan | None:
        raw = await self.guard.call(lambda: self.redis.get(self.key(key)), None)
        plan = None
        if raw is not None:
            try:
                plan = plan_from_dict(orjson.loads(raw))
            except (orjson.JSONDecodeError, PlanDecodeError) as exc:
                log.warning("ignoring a stored plan this router cannot read: %s", exc)
        cache_lookup("plan_redis", plan is not None)
        return plan

    async def put(self, key: PlanKey, plan: QueryPlan) -> None:
        body = orjson.dumps(plan_to_dict(plan))
        await self.guard.call(lambda: self.redis.set(self.key(key), body, ex=self.ttl), None)
