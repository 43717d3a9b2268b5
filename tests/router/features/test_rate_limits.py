"""Rate limits: token buckets in process and in real Redis, keyed and sized by the caller."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from auth.tokens import Claims
from router.config import RateLimitSettings, RedisSettings
from router.features.buckets import LocalBuckets, RedisBuckets
from router.pipeline import Caller
from router.features.rate_limits import Decision, Policy, RateLimiter
from tests.support.redis_server import ThrowawayRedis
from tests.support.services import REDIS_URL, unavailable


def user(subject: str, address: str = "10.0.0.1") -> Caller:
    return Caller(Claims(subject, "user", frozenset(), "storefront", uuid.uuid4().hex, 0, 2**31), address)


def partner(client_id: str, tier: str | None = None, address: str = "10.0.0.1") -> Caller:
    raw = {"tier": tier} if tier else {}
    return Caller(Claims(client_id, "client", frozenset(), client_id, uuid.uuid4().hex, 0, 2**31, raw), address)


def anonymous(address: str) -> Caller:
    return Caller(None, address)


async def redis_prefix() -> str:
    """A key prefix of this test's own on the shared Redis (skips or fails when Redis is down)."""
    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except Exception:
        unavailable("Redis")
    finally:
        await client.aclose()
    return f"test:{uuid.uuid4().hex}:"


async def delete_keys(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(params=["local", "redis"])
async def store_settings(request):
    """RedisSettings for each store: in process (no url), and real Redis with a prefix of its own."""
    if request.param == "local":
        yield RedisSettings()
        return
    prefix = await redis_prefix()
    yield RedisSettings(url=REDIS_URL, key_prefix=prefix)
    await delete_keys(prefix)


def limiter(redis: RedisSettings, **tiers: tuple[int, float]) -> RateLimiter:
    limits = {name: {"capacity": c, "refill_per_second": r} for name, (c, r) in tiers.items()}
    return RateLimiter(RateLimitSettings(enabled=True, tiers=limits), redis)


async def takes(rate_limiter: RateLimiter, caller: Caller, n: int) -> list[bool]:
    return [(await rate_limiter.check(caller)).allowed for _ in range(n)]


async def test_bucket_allows_its_capacity_then_refills(store_settings):
    rate_limiter = limiter(store_settings, anonymous=(3, 20.0))
    caller = anonymous("192.0.2.1")
    try:
        assert await takes(rate_limiter, caller, 4) == [True, True, True, False]
        refused = await rate_limiter.check(caller)
        assert not refused.allowed and refused.tokens is not None and refused.tokens < 1
        await asyncio.sleep(0.12)  # 20 tokens/s: two more by now, not three
        assert await takes(rate_limiter, caller, 3) == [True, True, False]
    finally:
        await rate_limiter.close()


async def test_callers_are_keyed_by_client_id_else_subject_else_address(store_settings):
    rate_limiter = limiter(store_settings, anonymous=(1, 0.01), shopper=(1, 0.01), partner=(1, 0.01))
    try:
        # one user from two addresses is one caller; another user is not
        assert await takes(rate_limiter, user("7", "10.0.0.1"), 1) == [True]
        assert await takes(rate_limiter, user("7", "10.0.0.2"), 1) == [False]
        assert await takes(rate_limiter, user("8", "10.0.0.1"), 1) == [True]
        # a partner client is keyed by client_id, wherever it calls from
        assert await takes(rate_limiter, partner("acme", address="10.0.0.3"), 1) == [True]
        assert await takes(rate_limiter, partner("acme", address="10.0.0.4"), 1) == [False]
        assert await takes(rate_limiter, partner("globex", address="10.0.0.3"), 1) == [True]
        # anonymous callers by address: the same address the users above came from is still free
        assert await takes(rate_limiter, anonymous("10.0.0.1"), 2) == [True, False]
        assert await takes(rate_limiter, anonymous("10.0.0.9"), 1) == [True]
    finally:
        await rate_limiter.close()


async def test_tiers_have_their_own_limits(store_settings):
    rate_limiter = limiter(store_settings, anonymous=(2, 0.01), shopper=(5, 0.01), gold=(8, 0.01))
    try:
        assert (await takes(rate_limiter, anonymous("10.1.0.1"), 3)).count(True) == 2
        assert (await takes(rate_limiter, user("42"), 6)).count(True) == 5
        assert (await takes(rate_limiter, partner("acme", "gold"), 9)).count(True) == 8
        # a tier claim that is not configured gets the default partner tier
        assert rate_limiter.policy("silver") == rate_limiter.policy("partner")
        decision = await rate_limiter.check(partner("initech", "silver"))
        assert decision.policy.name == "partner" and decision.policy.capacity == 600
    finally:
        await rate_limiter.close()


def test_header_values_follow_the_ratelimit_headers_draft():
    policy = Policy("shopper", capacity=10, refill_per_second=0.5)
    assert policy.window == 20
    left = Decision(True, policy, 6.25)  # 0.75 of a token to go at 0.5/s: 1.5 s → 2
    assert left.headers() == {"RateLimit-Policy": '"shopper";q=10;w=20', "RateLimit": '"shopper";r=6;t=2'}
    empty = Decision(False, policy, 0.1)
    assert empty.retry_after == 2 and empty.headers()["RateLimit"] == '"shopper";r=0;t=2'
    assert Decision(True, policy, 10.0).headers()["RateLimit"] == '"shopper";r=10;t=2'
    assert "RateLimit" not in Decision(True, policy, None).headers()


async def test_local_buckets_stay_bounded():
    clock = iter(range(1000)).__next__
    buckets = LocalBuckets(max_buckets=3, clock=lambda: float(clock()))
    for n in range(10):
        await buckets.take(f"k{n}", 1, 0.001)
    assert list(buckets.buckets) == ["k7", "k8", "k9"]


async def test_redis_bucket_is_one_hash_that_expires_and_survives_a_script_flush():
    redis_server = ThrowawayRedis().start()  # its own server: SCRIPT FLUSH must not touch the shared one
    store = RedisBuckets(redis_server.url, timeout=1.0)
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        assert (await store.take("bucket", 5, 0.01)).tokens == pytest.approx(4.0, abs=0.01)
        assert set(await client.hgetall("bucket")) == {"tokens", "ts"}
        assert 100_000 < await client.pttl("bucket") <= 101_000  # one token to refill (100 s) plus a second
        await client.script_flush()  # the script cache is gone: EVALSHA → NOSCRIPT → EVAL
        assert (await store.take("bucket", 5, 0.01)).tokens == pytest.approx(3.0, abs=0.01)
        assert (await store.take("bucket", 5, 0.01)).tokens == pytest.approx(2.0, abs=0.01)
    finally:
        await client.aclose()
        await store.close()
        redis_server.stop()


def test_settings_keep_default_tiers_and_refuse_bad_values(monkeypatch):
    from router.config import ConfigError, load_settings

    monkeypatch.setenv("GRAFT_RATE_LIMITS__TIERS__SHOPPER__CAPACITY", "200")
    tiers = load_settings(rate_limits={"tiers": {"gold": {"capacity": 3, "refill_per_second": 1}}}).rate_limits.tiers
    assert (tiers["shopper"].capacity, tiers["shopper"].refill_per_second) == (200, 4.0)
    assert set(tiers) == {"anonymous", "shopper", "partner", "gold"}
    for bad, where in [({"tiers": {"gold": {"capacity": 3}}}, "rate_limits.tiers.gold.refill_per_second"),
                       ({"tiers": {"anonymous": {"refill_per_second": 0}}}, "rate_limits.tiers.anonymous.refill"),
                       ({"on_redis_error": "maybe"}, "rate_limits.on_redis_error"),
                       ({"redis_timeout": 30}, "rate_limits.redis_timeout"),
                       ({"burst": 5}, "rate_limits.burst")]:
        with pytest.raises(ConfigError, match=where):
            load_settings(rate_limits=bad)
