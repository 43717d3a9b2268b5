"""Plans by key: this process's LRU first, then (with Redis) the plans every router shares, then
the planner. A plan computed once is planned nowhere else while it lives. Shared plans are
stored as JSON (planning/codec), never pickled; the key holds the supergraph hash and the codec
format, so a new supergraph or a new router version never reads an old plan."""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis

from auth.redis_guard import RedisGuard
from router.features.metrics import cache_lookup
from router.planning.codec import FORMAT, PlanDecodeError, plan_from_dict, plan_to_dict
from router.planning.plan import QueryPlan

log = logging.getLogger("graft.plan_cache")


@dataclass(frozen=True)
class PlanKey:
    """What decides a plan: the supergraph, the document, the operation, and which authorization
    requirements failed (they decide which fields were pruned before planning)."""

    supergraph_sha: str
    document_sha: str
    operation_name: str | None
    failed: frozenset[str] = frozenset()

    def redis_key(self, prefix: str) -> str:
        name = hashlib.sha256(self.operation_name.encode()).hexdigest()[:16] if self.operation_name else "-"
        failed = hashlib.sha256("\n".join(sorted(self.failed)).encode()).hexdigest()[:16] if self.failed else "-"
        return f"{prefix}plan:v{FORMAT}:{self.supergraph_sha}:{self.document_sha}:{name}:{failed}"


class SharedPlans:
    """The Redis tier; Redis errors are misses (RedisGuard), so planning goes on without it."""

    def __init__(self, redis: aioredis.Redis, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.guard = RedisGuard("plan cache")

    async def get(self, key: PlanKey) -> QueryPlan | None:
        raw = await self.guard.call(lambda: self.redis.get(key.redis_key(self.prefix)), None)
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
        await self.guard.call(lambda: self.redis.set(key.redis_key(self.prefix), body, ex=self.ttl), None)


class PlanCache:
    """One cache, two tiers: the in-process LRU and, when configured, SharedPlans."""

    def __init__(self, size: int = 2048, shared: SharedPlans | None = None) -> None:
        self.size = size
        self.shared = shared
        self.entries: OrderedDict[PlanKey, QueryPlan] = OrderedDict()
        self.hits = self.misses = 0

    async def get(self, key: PlanKey, make: Callable[[], QueryPlan]) -> QueryPlan:
        plan = self._local(key)
        if plan is None:
            plan = await self.shared.get(key) if self.shared is not None else None
            if plan is None:
                plan = make()
                if self.shared is not None:
                    await self.shared.put(key, plan)
            self._keep(key, plan)
        return plan

    def get_local(self, key: PlanKey, make: Callable[[], QueryPlan]) -> QueryPlan:
        """The in-process tier alone, for callers without an event loop (the CLI, benchmarks)."""
        plan = self._local(key)
        if plan is None:
            plan = make()
            self._keep(key, plan)
        return plan

    def _local(self, key: PlanKey) -> QueryPlan | None:
        plan = self.entries.get(key)
        cache_lookup("plan", plan is not None)
        if plan is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return plan

    def _keep(self, key: PlanKey, plan: QueryPlan) -> None:
        self.entries[key] = plan
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
