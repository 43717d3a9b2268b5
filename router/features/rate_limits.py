"""Rate limits: a token bucket per caller (Caller.key) sized by the caller's tier, shared through
Redis when `redis.url` is set, in process otherwise.

Responses carry the IETF httpapi ratelimit-headers fields (draft 11): `RateLimit-Policy:
"<tier>";q=<capacity>;w=<seconds to refill from empty>` and `RateLimit: "<tier>";r=<requests
left>;t=<seconds until the next token>`. Over the limit: 429, `Retry-After` and a GraphQL error
with extensions.code RATE_LIMITED."""

from __future__ import annotations

import math
from dataclasses import dataclass

from auth.redis_guard import RedisGuard
from router.config import RateLimitSettings, RedisSettings, TierLimit
from router.features.buckets import LocalBuckets, RedisBuckets
from router.features.metrics import RATE_LIMITED
from router.pipeline import Caller, RequestError, RouterRequest, Stage
from router.pipeline.caller import PARTNER_TIER


@dataclass(frozen=True)
class Policy:
    name: str
    capacity: int
    refill_per_second: float

    @property
    def window(self) -> int:
        """Seconds an empty bucket takes to fill: the `w` of RateLimit-Policy."""
        return max(1, math.ceil(self.capacity / self.refill_per_second))

    def seconds_to_next_token(self, tokens: float) -> int:
        """At least 1: the next whole token, or for a full bucket the time one take costs."""
        missing = 1.0 if tokens >= self.capacity else math.floor(tokens) + 1 - tokens
        return max(1, math.ceil(missing / self.refill_per_second))


@dataclass(frozen=True)
class Decision:
    """`tokens` is None when the bucket could not be read (Redis unreachable)."""

    allowed: bool
    policy: Policy
    tokens: float | None

    @property
    def retry_after(self) -> int:
        return self.policy.seconds_to_next_token(self.tokens or 0.0)

    def headers(self) -> dict[str, str]:
        policy = self.policy
        headers = {"RateLimit-Policy": f'"{policy.name}";q={policy.capacity};w={policy.window}'}
        if self.tokens is not None:
            remaining = max(0, math.floor(self.tokens))
            headers["RateLimit"] = f'"{policy.name}";r={remaining};t={policy.seconds_to_next_token(self.tokens)}'
        return headers


class RateLimiter:
    """Takes one token per request. With Redis unreachable it answers open or closed as set,
    through the one RedisGuard: logged once per incident and on recovery, asked again only
    every retry interval, one request probing."""

    def __init__(self, settings: RateLimitSettings, redis: RedisSettings) -> None:
        self.settings = settings
        self.prefix = f"{redis.key_prefix}ratelimit:"
        self.store: LocalBuckets | RedisBuckets = (
            RedisBuckets(redis.url, settings.redis_timeout) if redis.url else LocalBuckets(settings.max_local_buckets))
        self.policies = {name: _policy(name, limit) for name, limit in settings.tiers.items()}
        meanwhile = "letting requests through" if settings.on_redis_error == "open" else "refusing requests"
        self.guard = RedisGuard("rate limits", backoff=settings.redis_retry_interval, meanwhile=meanwhile)

    def policy(self, tier: str) -> Policy:
        """A tier not configured (a partner's own tier claim) gets the partner tier's limits."""
        return self.policies.get(tier) or self.policies[PARTNER_TIER]

    async def check(self, caller: Caller) -> Decision:
        policy = self.policy(caller.tier)
        key = f"{self.prefix}{policy.name}:{caller.key}"
        take = await self.guard.call(lambda: self.store.take(key, policy.capacity, policy.refill_per_second), None)
        if take is None:
            return Decision(self.settings.on_redis_error == "open", policy, None)
        return Decision(take.allowed, policy, take.tokens)

    async def close(self) -> None:
        await self.store.close()


def _policy(name: str, limit: TierLimit) -> Policy:
    return Policy(name, limit.capacity, limit.refill_per_second)


def rate_limit_stage(limiter: RateLimiter) -> Stage:
    """RateLimit headers on every response; 429 over the limit, 503 when the limits cannot be
    checked and on_redis_error is closed."""

    async def rate_limit(request: RouterRequest) -> None:
        decision = await limiter.check(request.caller)
        request.response_headers.update(decision.headers())
        if not decision.allowed:
            raise refusal(decision)

    return Stage("rate limit", rate_limit)


def refusal(decision: Decision) -> RequestError:
    if decision.tokens is None:
        return RequestError("Rate limits cannot be checked right now; try again shortly.", status=503,
                            headers={"Retry-After": "1"}, code="RATE_LIMIT_UNAVAILABLE")
    RATE_LIMITED.labels(decision.policy.name).inc()
    policy, retry_after = decision.policy, decision.retry_after
    return RequestError(f"Too many requests: the '{policy.name}' rate limit allows {policy.capacity} at once "
                        f"and {policy.refill_per_second:g} more per second. Retry in {retry_after} s.",
                        status=429, headers={"Retry-After": str(retry_after)}, code="RATE_LIMITED",
                        extensions={"retryAfter": retry_after})
