"""Token buckets: in process (one dict, bounded) or in Redis (one atomic script per take).

A bucket holds up to `capacity` tokens and gains `refill_per_second` continuously; a request takes
one. Both stores answer `take(key, capacity, refill_per_second)` with (allowed, tokens left)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError


@dataclass(frozen=True)
class Take:
    """One take's outcome: whether a token was taken, and the (fractional) tokens left after it."""

    allowed: bool
    tokens: float


def refill(tokens: float, elapsed: float, capacity: int, refill_per_second: float) -> float:
    return min(float(capacity), tokens + max(0.0, elapsed) * refill_per_second)


@dataclass
class _LocalBucket:
    tokens: float
    updated: float


class LocalBuckets:
    """Buckets of one process. At most `max_buckets` are kept; the least recently used one is
    dropped first (it comes back full, which only ever errs towards letting a caller through)."""

    def __init__(self, max_buckets: int, clock=time.monotonic) -> None:
        self.max_buckets = max_buckets
        self.clock = clock
        self.buckets: OrderedDict[str, _LocalBucket] = OrderedDict()

    async def take(self, key: str, capacity: int, refill_per_second: float) -> Take:
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _LocalBucket(float(capacity), now)
            if len(self.buckets) > self.max_buckets:
                self.buckets.popitem(last=False)
        else:
            self.buckets.move_to_end(key)
            bucket.tokens = refill(bucket.tokens, now - bucket.updated, capacity, refill_per_second)
            bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        return Take(allowed, bucket.tokens)

    async def close(self) -> None:
        self.buckets.clear()


# KEYS[1]: the bucket (a hash: tokens, ts). ARGV: capacity, refill per second.
# Redis' own clock (TIME) dates every take, so the routers' clocks never matter; the key expires
# once the bucket would be full again, which is the same as no key at all.
TAKE_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""
TAKE_SHA = hashlib.sha1(TAKE_SCRIPT.encode()).hexdigest()


class RedisBuckets:
    """Buckets shared by every worker and instance: one EVALSHA round trip per take (EVAL once
    when Redis does not know the script yet). Connect and command each time out after `timeout`;
    no retries, so a take never waits longer than that."""

    def __init__(self, url: str, timeout: float) -> None:
        self.timeout = timeout
        self.redis = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                    retry=Retry(NoBackoff(), 0))

    async def take(self, key: str, capacity: int, refill_per_second: float) -> Take:
        args = (capacity, repr(float(refill_per_second)))
        async with asyncio.timeout(2 * self.timeout):  # connect + command, even if a socket timeout misses
            try:
                allowed, tokens = await self.redis.evalsha(TAKE_SHA, 1, key, *args)
            except NoScriptError:
                allowed, tokens = await self.redis.eval(TAKE_SCRIPT, 1, key, *args)
        return Take(bool(allowed), float(tokens))

    async def close(self) -> None:
        await self.redis.aclose()
