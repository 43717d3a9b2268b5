"""How the events runtime behaves, from the environment: which transport carries events, and the
relay's and consumers' pace, leases and retry limits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Transport = Literal["redis", "http"]


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {raw!r}")
    return value


def transport_for(redis_url: str | None) -> Transport:
    """GRAFT_EVENTS_TRANSPORT when set; else Redis Streams when the service has Redis, HTTP without."""
    chosen = os.environ.get("GRAFT_EVENTS_TRANSPORT") or ("redis" if redis_url else "http")
    if chosen not in ("redis", "http"):
        raise ValueError(f"GRAFT_EVENTS_TRANSPORT must be redis or http, not {chosen!r}")
    if chosen == "redis" and not redis_url:
        raise ValueError("GRAFT_EVENTS_TRANSPORT=redis needs REDIS_URL")
    return "redis" if chosen == "redis" else "http"


@dataclass(frozen=True)
class EventsSettings:
    """Defaults suit `make run` (a relay round every 0.2 s feels immediate); tests shorten the
    waits. Times are in seconds."""

    transport: Transport = "http"
    relay_interval: float = 0.2  # between relay rounds that found less than a full batch
    relay_batch: int = 100  # outbox rows one round claims
    lease: float = 30.0  # how long a claimed outbox row is left to the relay that claimed it
    stream: str = "graft:events"  # the Redis stream; dead letters go to `<stream>:dead`
    block: float = 1.0  # a consumer's XREADGROUP waits this long for new messages
    claim_idle: float = 30.0  # a pending message idle this long is claimed from its consumer
    max_attempts: int = 12  # deliveries of one event to one consumer before it is dead
    retry_base: float = 1.0  # HTTP: first retry after this, doubling each time
    retry_max: float = 300.0  # HTTP: the longest wait between retries
    delivery_timeout: float = 5.0  # HTTP: one POST /events
    retention: float = 86400.0  # Redis: acknowledged stream entries are kept this long, then trimmed

    @property
    def dead_stream(self) -> str:
        return f"{self.stream}:dead"

    def retry_delay(self, attempts: int) -> float:
        """The wait after the `attempts`-th failed delivery (1, 2, ...)."""
        return float(min(self.retry_max, self.retry_base * 2 ** max(0, attempts - 1)))

    @classmethod
    def from_env(cls, redis_url: str | None = None) -> EventsSettings:
        return cls(
            transport=transport_for(redis_url),
            relay_interval=_number("GRAFT_EVENTS_RELAY_INTERVAL", cls.relay_interval),
            relay_batch=max(1, int(_number("GRAFT_EVENTS_RELAY_BATCH", cls.relay_batch))),
            lease=_number("GRAFT_EVENTS_LEASE", cls.lease),
            stream=os.environ.get("GRAFT_EVENTS_STREAM") or cls.stream,
            block=_number("GRAFT_EVENTS_BLOCK", cls.block),
            claim_idle=_number("GRAFT_EVENTS_CLAIM_IDLE", cls.claim_idle),
            max_attempts=max(1, int(_number("GRAFT_EVENTS_MAX_ATTEMPTS", cls.max_attempts))),
            retry_base=_number("GRAFT_EVENTS_RETRY_BASE", cls.retry_base),
            retry_max=_number("GRAFT_EVENTS_RETRY_MAX", cls.retry_max),
            delivery_timeout=_number("GRAFT_EVENTS_DELIVERY_TIMEOUT", cls.delivery_timeout),
            retention=_number("GRAFT_EVENTS_RETENTION_SECONDS", cls.retention),
        )
