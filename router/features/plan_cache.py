"""Plans shared by every router through Redis, behind each router's in-process LRU: a plan
computed once is planned nowhere else while it lives. Stored as JSON (planning/codec), never
pickled; the key holds the supergraph hash and the codec format."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import orjson
import redis.asyncio as aioredis

from router.features.metrics import cache_lookup
from router.features.redis_guard import RedisGuard
from router.planning.codec import FORMAT, PlanDecodeError, plan_from_dict, plan_to_dict
from router.planning.plan import QueryPlan

log = logging.getLogger("graft.plan_cache")
# supergraph sha, document hash, operation name, the caller's failed authorization requirements
PlanKey = tuple[str, str, str | None, frozenset[Any]]


class SharedPlanCache:
    def __init__(self, redis: aioredis.Redis, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.guard = RedisGuard("plan cache")

    def key(self, key: PlanKey) -> str:
        sha, document, name, failed = key
        operation = hashlib.sha256(name.encode()).hexdigest()[:16] if name else "-"
        return f"{self.prefix}plan:v{FORMAT}:{sha}:{document}:{operation}:{_requirements(failed)}"

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


def _requirements(failed: frozenset[Any]) -> str:
    """The same digest in every process for the same set of failed authorization requirements
    (they decide which fields were pruned before planning)."""
    if not failed:
        return "-"
    parts = sorted(orjson.dumps([r.authenticated, sorted(sorted(s) for s in r.scopes),
                                 sorted(sorted(p) for p in r.policies)]) for r in failed)
    return hashlib.sha256(b"\n".join(parts)).hexdigest()[:16]
