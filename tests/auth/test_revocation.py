"""The deny list in Redis behind the one RedisGuard: a Redis that accepts connections and never
answers costs one call its socket timeout, then is left alone; open or closed as configured."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import pytest

from auth.redis_guard import RedisGuard, redis_client
from auth.revocation import RedisRevocations
from auth.tokens import VerificationUnavailable
from tests.support.silent_server import timed
from tests.support.services import REDIS_URL, listening, unavailable




async def test_fail_open_lets_tokens_through_and_backs_off_after_one_timeout(silent, caplog):
    caplog.set_level(logging.WARNING, "graft.redis")
    redis = redis_client(f"redis://{silent.origin}/0")
    revocations = RedisRevocations(redis)
    try:
        first, revoked = await timed(revocations.is_revoked("a"))
        assert revoked is False and 0.4 < first < 1.5
        for _ in range(5):
            took, revoked = await timed(revocations.is_revoked("a"))
            assert revoked is False and took < 0.05
        await revocations.revoke("b", int(time.time()) + 60)  # skipped too, without waiting
        assert revocations.guard.failures == 1
        warnings = [r.getMessage() for r in caplog.records if "revocation list" in r.getMessage()]
        assert len(warnings) == 1 and "not refused meanwhile" in warnings[0]
    finally:
        await redis.aclose()


async def test_fail_closed_refuses_with_a_retry_hint(silent):
    redis = redis_client(f"redis://{silent.origin}/0")
    revocations = RedisRevocations(redis, fail_open=False, backoff=3)
    try:
        for _ in range(2):
            with pytest.raises(VerificationUnavailable) as refused:
                await revocations.is_revoked("a")
            assert 1 <= refused.value.retry_after <= 3
    finally:
        await redis.aclose()


async def test_after_the_backoff_one_call_probes_while_the_others_skip(silent):
    redis = redis_client(f"redis://{silent.origin}/0")
    guard = RedisGuard("test", backoff=0.2)
    try:
        assert await guard.call(lambda: redis.exists("k"), None) is None
        await asyncio.sleep(0.25)
        started = time.perf_counter()
        calls = [asyncio.create_task(timed(guard.call(lambda: redis.exists("k"), None))) for _ in range(5)]
        done = await asyncio.gather(*calls)
        slow = [took for took, _ in done if took > 0.3]
        assert len(slow) == 1 and all(result is None for _, result in done)
        assert time.perf_counter() - started < 1.5 and guard.failures == 2
    finally:
        await redis.aclose()


async def test_a_real_redis_refuses_revoked_tokens_and_the_guard_recovers(caplog):
    if not listening("127.0.0.1", 6379):
        unavailable("Redis")
    caplog.set_level(logging.WARNING, "graft.redis")
    redis = redis_client(REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex}:"
    revocations = RedisRevocations(redis, prefix, backoff=0)
    try:
        revocations.guard._failed(OSError("simulated outage"))
        await revocations.revoke("jti-1", int(time.time()) + 60)
        assert await revocations.is_revoked("jti-1") is True and await revocations.is_revoked("jti-2") is False
        assert not revocations.guard.down
        assert [r.getMessage() for r in caplog.records if "is back" in r.getMessage()]
    finally:
        await redis.delete(f"{prefix}revoked:jti-1")
        await redis.aclose()
