"""Plans shared through real Redis: a second router never plans what the first one did."""

from __future__ import annotations

import logging

import pytest
import redis.asyncio as aioredis
from graphql import parse

from router.config import load_settings
from router.features.metrics import CACHE_LOOKUPS
from router.gateway import Gateway
from router.pipeline.request import text_hash
from router.schema_files import SUPERGRAPH

QUERY = "{ products(first: 2) { edges { node { name shippingEstimate { amount } } } } }"


def counted(gateway: Gateway) -> list[str]:
    """Records every call of the gateway's planner (a spy, the planner still plans)."""
    calls: list[str] = []
    plan = gateway.planner.plan

    def spy(document, operation_name=None):
        calls.append(operation_name or "")
        return plan(document, operation_name)

    gateway.planner.plan = spy  # type: ignore[method-assign]
    return calls


async def shared_plan(gateway: Gateway, document, name: str | None):
    """The gateway's plan cache (its LRU, then Redis), planning with its planner on a miss."""
    return await gateway.plans.get(gateway.plan_key(text_hash(document.loc.source.body), name, None),
                                   lambda: gateway.planner.plan(document, name))


def hits(cache: str) -> float:
    return CACHE_LOOKUPS.labels(cache, "hit")._value.get()


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    return redis_prefix


def gateway(redis_url: str | None, prefix: str = "graft:", **cache) -> Gateway:
    settings = load_settings(redis={"url": redis_url, "key_prefix": prefix}, cache=cache)
    return Gateway.from_settings(SUPERGRAPH.read_text(), settings)


async def test_two_routers_share_a_plan(redis_url, prefix):
    first, second = gateway(redis_url, prefix), gateway(redis_url, prefix)
    first_calls, second_calls = counted(first), counted(second)
    try:
        before = hits("plan_redis")
        planned = await shared_plan(first, parse(QUERY), None)
        shared = await shared_plan(second, parse(QUERY), None)
        assert len(first_calls) == 1 and second_calls == []
        assert shared == planned and hits("plan_redis") == before + 1
        await shared_plan(second, parse(QUERY), None)  # now in its own LRU: Redis not asked again
        assert hits("plan_redis") == before + 1
        client = aioredis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(match=f"{prefix}plan:*")]
        await client.aclose()
        assert len(keys) == 1 and first.supergraph_sha.encode() in keys[0]
    finally:
        await first.close()
        await second.close()


async def test_operation_names_are_separate_plans(redis_url, prefix):
    document = "query A { categories { name } } query B { products { totalCount } }"
    first, second = gateway(redis_url, prefix), gateway(redis_url, prefix)
    calls = counted(second)
    try:
        await shared_plan(first, parse(document), "A")
        plan_b = await shared_plan(second, parse(document), "B")
        assert calls == ["B"] and "products" in plan_b.pretty()
    finally:
        await first.close()
        await second.close()


async def test_a_corrupt_entry_is_replanned_and_replaced(redis_url, prefix):
    first = gateway(redis_url, prefix)
    calls = counted(first)
    key = first.plan_key(text_hash(QUERY), None, None)
    client = aioredis.from_url(redis_url)
    try:
        await client.set(key.redis_key(prefix), b'{"format": 1, "node": {"kind": "Bogus"}}')
        plan = await shared_plan(first, parse(QUERY), None)
        assert len(calls) == 1 and plan.node is not None
        assert b'"Bogus"' not in await client.get(key.redis_key(prefix))
    finally:
        await client.aclose()
        await first.close()


async def test_redis_down_plans_locally_and_logs_once(caplog):
    down = gateway("redis://127.0.0.1:1/0")
    calls = counted(down)
    caplog.set_level(logging.WARNING, "graft.redis")
    try:
        result = await down.execute_query(QUERY)  # subgraphs are unreachable too: errors, not a crash
        assert result["errors"] and len(calls) == 1
        await shared_plan(down, parse("{ categories { name } }"), None)
        assert len(calls) == 2
        warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
        assert len(warnings) == 1 and down.plans.shared.guard.failures == 1  # backing off: not retried
    finally:
        await down.close()


async def test_plan_redis_can_be_turned_off(redis_url):
    off = gateway(redis_url, plan_redis=False)
    try:
        assert off.plans.shared is None and off.caches.redis is None
    finally:
        await off.close()
