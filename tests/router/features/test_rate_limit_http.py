"""Rate limits through the real aiohttp app: 429 with the ratelimit-headers fields and a GraphQL
error, RateLimit on successful answers, callers told apart by X-Forwarded-For, and Redis outages
answered open or closed (a throwaway redis-server of the test's own, stopped mid-test)."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from router.config import load_settings
from tests.router.features.test_rate_limits import delete_keys, redis_prefix
from tests.support.redis_server import ThrowawayRedis
from tests.support.services import REDIS_URL

GRAPHQL_JSON = "application/graphql-response+json"


def settings(redis: dict | None = None, **rate_limits):
    limits = {"enabled": True, "tiers": {"anonymous": {"capacity": 2, "refill_per_second": 0.5}}, **rate_limits}
    return load_settings(rate_limits=limits, redis=redis or {}, trusted_proxy_hops=1)


async def ask(client, address: str = "198.51.100.7", accept: str = GRAPHQL_JSON):
    resp = await client.post("/graphql", json={"query": "{ version }"},
                             headers={"X-Forwarded-For": f"203.0.113.250, {address}", "Accept": accept})
    return resp, await resp.json()


def refused_count(text: str, tier: str) -> float:
    match = re.search(rf'^graft_rate_limited_requests_total{{tier="{tier}"}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(params=["local", "redis"])
async def redis_section(request):
    if request.param == "local":
        yield {}
        return
    prefix = await redis_prefix()
    yield {"url": REDIS_URL, "key_prefix": prefix}
    await delete_keys(prefix)


@pytest.mark.parametrize("accept", [GRAPHQL_JSON, "application/json"])
async def test_over_the_limit_is_429_with_headers_and_a_graphql_error(make_client, redis_section, accept):
    client = await make_client(settings(redis_section))
    before = refused_count(await (await client.get("/metrics")).text(), "anonymous")
    first, body = await ask(client, accept=accept)
    assert first.status == 200 and body == {"data": {"version": "v1"}}
    assert first.headers["RateLimit-Policy"] == '"anonymous";q=2;w=4'
    assert first.headers["RateLimit"] == '"anonymous";r=1;t=2'
    second, _ = await ask(client, accept=accept)
    assert second.status == 200 and second.headers["RateLimit"].startswith('"anonymous";r=0;')
    third, body = await ask(client, accept=accept)
    assert third.status == 429 and third.content_type == accept
    assert third.headers["Retry-After"] == "2"
    assert third.headers["RateLimit"] == '"anonymous";r=0;t=2'
    assert third.headers["RateLimit-Policy"] == '"anonymous";q=2;w=4'
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 2}
    assert "'anonymous' rate limit" in error["message"] and "Retry in 2 s" in error["message"]
    after = refused_count(await (await client.get("/metrics")).text(), "anonymous")
    assert after == before + 1
    other, _ = await ask(client, address="198.51.100.8")  # another client address has its own bucket
    assert other.status == 200 and other.headers["RateLimit"].startswith('"anonymous";r=1;')


async def test_health_and_metrics_are_not_limited(make_client):
    client = await make_client(settings())
    for _ in range(4):
        for path in ("/health", "/metrics"):
            resp = await client.get(path)
            assert resp.status == 200 and "RateLimit" not in resp.headers
    resp, body = await ask(client)
    assert resp.status == 200 and resp.headers["RateLimit"].startswith('"anonymous";r=1;')


async def test_disabled_rate_limits_add_no_headers(make_client):
    client = await make_client(load_settings(rate_limits={"enabled": False, "tiers": {
        "anonymous": {"capacity": 1, "refill_per_second": 0.01}}}))
    for _ in range(3):
        resp, _ = await ask(client)
        assert resp.status == 200 and "RateLimit" not in resp.headers and "RateLimit-Policy" not in resp.headers


@pytest.fixture
async def throwaway_redis():
    server = ThrowawayRedis().start()
    yield server
    server.stop()


def outage_records(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "graft.redis" and r.getMessage().startswith("rate limits")]


async def test_redis_down_fails_open_logs_once_and_recovers(make_client, throwaway_redis, caplog):
    caplog.set_level(logging.INFO, "graft.redis")
    client = await make_client(settings({"url": throwaway_redis.url}, on_redis_error="open",
                                        redis_retry_interval=0.1))
    resp, _ = await ask(client)
    assert resp.status == 200 and resp.headers["RateLimit"].startswith('"anonymous";r=1;')
    throwaway_redis.stop()
    for _ in range(4):  # over the limit of 2, but nobody can count: let through
        await asyncio.sleep(0.05)
        resp, body = await ask(client)
        assert resp.status == 200 and body == {"data": {"version": "v1"}}
        assert "RateLimit" not in resp.headers and resp.headers["RateLimit-Policy"] == '"anonymous";q=2;w=4'
    [down] = outage_records(caplog)
    assert "Redis unavailable" in down and "letting requests through" in down
    throwaway_redis.start()  # same port, empty: a full bucket again
    await asyncio.sleep(0.15)
    statuses = [(await ask(client))[0].status for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(outage_records(caplog)) == 2 and "Redis is back" in outage_records(caplog)[1]


async def test_redis_down_fails_closed_with_503_and_never_hangs(make_client, throwaway_redis, caplog):
    caplog.set_level(logging.INFO, "graft.redis")
    client = await make_client(settings({"url": throwaway_redis.url}, on_redis_error="closed"))
    assert (await ask(client))[0].status == 200
    throwaway_redis.stop()
    for accept in (GRAPHQL_JSON, "application/json"):
        resp, body = await asyncio.wait_for(ask(client, accept=accept), timeout=5)
        assert resp.status == 503 and resp.headers["Retry-After"] == "1"
        assert body == {"errors": [{"message": "Rate limits cannot be checked right now; try again shortly.",
                                    "extensions": {"code": "RATE_LIMIT_UNAVAILABLE"}}]}
    [down] = outage_records(caplog)
    assert "refusing requests" in down


async def test_redis_that_never_answers_times_out_instead_of_hanging(make_client, caplog):
    """A server that accepts connections and then says nothing (a wedged Redis): the command
    times out after redis_timeout and the request is answered as configured."""
    silent: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = await make_client(settings({"url": f"redis://127.0.0.1:{port}/0"}, on_redis_error="closed",
                                            redis_timeout=0.2))
        resp, body = await asyncio.wait_for(ask(client), timeout=5)
        assert resp.status == 503 and body["errors"][0]["extensions"]["code"] == "RATE_LIMIT_UNAVAILABLE"
        assert silent, "the router never connected"
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()
