"""Limits on /oauth/token, so passwords (and client secrets) cannot be guessed at will.

Every token request is an attempt, counted per client address and, when it names one, per
account (the username, or the client id that failed to authenticate). Past `failures` attempts
in `window` seconds, the key is locked: first for `lockout` seconds, then twice as long at each
further lockout within a day, up to `lockout_max`. A locked key answers 429 with Retry-After
before any password is checked. A success takes its attempt back (and clears the account), so
only failures accumulate. Unknown and known accounts are counted alike: the answer never tells
them apart. Counters live in Redis when the users service has one (shared by its processes),
in process otherwise, and in process while Redis does not answer."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from redis.exceptions import RedisError

log = logging.getLogger("graft.oauth.limits")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = "127.0.0.0/8,::1/128"
STRIKES_TTL = 86400  # a day: lockouts within it grow


@dataclass(frozen=True)
class Policy:
    """For one kind of key (address, account)."""

    failures: int
    window: int
    lockout: int
    lockout_max: int

    def lock_seconds(self, strikes: int) -> int:
        return min(self.lockout * 2 ** min(strikes - 1, 30), self.lockout_max)


@dataclass(frozen=True)
class SignInLimits:
    address: Policy = Policy(failures=20, window=300, lockout=30, lockout_max=3600)
    account: Policy = Policy(failures=5, window=300, lockout=30, lockout_max=3600)
    trusted_proxies: tuple[IPNetwork, ...] = field(default_factory=lambda: _networks(LOOPBACK))
    key_prefix: str = "graft:"

    @classmethod
    def from_env(cls) -> SignInLimits:
        """GRAFT_SIGNIN_ADDRESS_FAILURES (20), GRAFT_SIGNIN_ACCOUNT_FAILURES (5),
        GRAFT_SIGNIN_WINDOW (300 s), GRAFT_SIGNIN_LOCKOUT (30 s), GRAFT_SIGNIN_LOCKOUT_MAX (3600 s),
        GRAFT_TRUSTED_PROXIES (loopback), GRAFT_REDIS_KEY_PREFIX (graft:)."""
        window, lockout, most = (_whole(name, default) for name, default in (
            ("GRAFT_SIGNIN_WINDOW", 300), ("GRAFT_SIGNIN_LOCKOUT", 30), ("GRAFT_SIGNIN_LOCKOUT_MAX", 3600)))
        return cls(
            address=Policy(_whole("GRAFT_SIGNIN_ADDRESS_FAILURES", 20), window, lockout, most),
            account=Policy(_whole("GRAFT_SIGNIN_ACCOUNT_FAILURES", 5), window, lockout, most),
            trusted_proxies=_networks(os.environ.get("GRAFT_TRUSTED_PROXIES", LOOPBACK)),
            key_prefix=os.environ.get("GRAFT_REDIS_KEY_PREFIX", "graft:"),
        )


def _whole(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


def _networks(text: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def client_address(request: web.Request, trusted: tuple[IPNetwork, ...]) -> str:
    """The peer's address; when the peer is a trusted proxy (the router), the nearest
    X-Forwarded-For entry that is not one."""
    peer = request.remote or ""
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    if not forwarded or not _trusted(peer, trusted):
        return peer
    for hop in reversed(forwarded):
        if not _trusted(hop, trusted):
            return hop[:64]
    return forwarded[0][:64]


def _trusted(address: str, trusted: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


class Counters(Protocol):
    async def attempt(self, key: str, policy: Policy) -> float:
        """Count an attempt; seconds the key stays locked (0: go ahead)."""
        ...

    async def succeeded(self, key: str, forget: bool) -> None:
        """Take the attempt back; `forget` also clears the key's failures and lockouts."""
        ...


@dataclass
class _Entry:
    attempts: int = 0
    window_ends: float = 0.0
    strikes: int = 0
    strikes_end: float = 0.0
    locked_until: float = 0.0


class MemoryCounters:
    """In process, for one users process; old entries are dropped as the table grows."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.entries: dict[str, _Entry] = {}

    async def attempt(self, key: str, policy: Policy) -> float:
        now = self.clock()
        entry = self.entries.setdefault(key, _Entry())
        if entry.locked_until > now:
            return entry.locked_until - now
        if entry.window_ends <= now:
            entry.attempts, entry.window_ends = 0, now + policy.window
        if entry.strikes_end <= now:
            entry.strikes = 0
        entry.attempts += 1
        if entry.attempts <= policy.failures:
            return 0.0
        entry.strikes += 1
        entry.strikes_end = now + STRIKES_TTL
        entry.attempts, entry.window_ends = 0, 0.0
        entry.locked_until = now + policy.lock_seconds(entry.strikes)
        self._prune(now)
        return entry.locked_until - now

    async def succeeded(self, key: str, forget: bool) -> None:
        entry = self.entries.get(key)
        if entry is not None and forget:
            del self.entries[key]
        elif entry is not None and entry.attempts > 0:
            entry.attempts -= 1

    def _prune(self, now: float) -> None:
        if len(self.entries) > 100_000:
            self.entries = {k: e for k, e in self.entries.items()
                            if e.locked_until > now or e.strikes_end > now or e.window_ends > now}


# KEYS: attempts, strikes, lock; ARGV: failures, window, lockout, lockout_max, strikes ttl. Returns ms locked.
ATTEMPT = """
local locked = redis.call('PTTL', KEYS[3])
if locked > 0 then return locked end
local attempts = redis.call('INCR', KEYS[1])
if attempts == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if attempts <= tonumber(ARGV[1]) then return 0 end
local strikes = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[5])
local seconds = math.min(tonumber(ARGV[3]) * 2 ^ math.min(strikes - 1, 30), tonumber(ARGV[4]))
seconds = math.max(1, math.floor(seconds))
redis.call('SET', KEYS[3], '1', 'EX', seconds)
redis.call('DEL', KEYS[1])
return seconds * 1000
"""
# KEYS: attempts, strikes; ARGV: forget ("1" or "0").
SUCCEEDED = """
if ARGV[1] == '1' then return redis.call('DEL', KEYS[1], KEYS[2]) end
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisCounters:
    """Shared by every users process; while Redis does not answer, `fallback` counts (logged once)."""

    def __init__(self, redis: Any, prefix: str, fallback: MemoryCounters) -> None:
        self.redis, self.prefix, self.fallback = redis, prefix, fallback
        self._attempt = redis.register_script(ATTEMPT)
        self._succeeded = redis.register_script(SUCCEEDED)
        self.failing = False

    def _keys(self, key: str) -> list[str]:
        return [f"{self.prefix}signin:{part}:{key}" for part in ("attempts", "strikes", "lock")]

    async def attempt(self, key: str, policy: Policy) -> float:
        try:
            ms = await self._attempt(keys=self._keys(key), args=[
                policy.failures, policy.window, policy.lockout, policy.lockout_max, STRIKES_TTL])
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return await self.fallback.attempt(key, policy)
        self._recovered()
        return int(ms) / 1000

    async def succeeded(self, key: str, forget: bool) -> None:
        try:
            await self._succeeded(keys=self._keys(key)[:2], args=["1" if forget else "0"])
        except (RedisError, OSError) as exc:
            self._failed(exc)
            await self.fallback.succeeded(key, forget)

    def _failed(self, exc: Exception) -> None:
        if not self.failing:
            log.error("sign-in limits: Redis unavailable, counting in process (%s: %s)", type(exc).__name__, exc)
        self.failing = True

    def _recovered(self) -> None:
        if self.failing:
            log.warning("sign-in limits: Redis is back")
        self.failing = False


@dataclass(frozen=True)
class Attempt:
    """One token request's keys: its address and, when it names one, its account."""

    address: str
    account: str | None


class SignInGuard:
    def __init__(self, limits: SignInLimits, counters: Counters) -> None:
        self.limits, self.counters = limits, counters

    def attempt_of(self, request: web.Request, account: str | None) -> Attempt:
        digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32] if account else None
        return Attempt(client_address(request, self.limits.trusted_proxies), digest)

    async def admit(self, attempt: Attempt) -> int:
        """0 to go ahead, else whole seconds to wait. An address already locked is not
        charged to the account."""
        wait = await self.counters.attempt(f"address:{attempt.address}", self.limits.address)
        if not wait and attempt.account is not None:
            wait = await self.counters.attempt(f"account:{attempt.account}", self.limits.account)
        return math.ceil(wait)

    async def succeeded(self, attempt: Attempt) -> None:
        await self.counters.succeeded(f"address:{attempt.address}", forget=False)
        if attempt.account is not None:
            await self.counters.succeeded(f"account:{attempt.account}", forget=True)
