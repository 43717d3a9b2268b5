"""The Redis transport: one stream every producer appends to (XADD, field `event` = the JSON
envelope). Each consuming service is a consumer group named after it, each process a consumer.
A message is acknowledged only after its handler committed (or found it applied before); one a
consumer left pending (it died, or its handler failed) is claimed by any consumer once idle for
`claim_idle`, and after `max_attempts` deliveries it moves to the dead-letter stream."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from subgraphs.common.db import uncounted
from subgraphs.common.events.config import EventsSettings
from subgraphs.common.events.envelope import Event
from subgraphs.common.events.service import Handler, apply, received

log = logging.getLogger("graft.subgraph.events")

Fields = Mapping[bytes, bytes]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def consumer_client(url: str, settings: EventsSettings) -> aioredis.Redis:
    """A consumer's own client: its blocking XREADGROUP outlasts the app client's short
    socket timeout, which would otherwise cut every read."""
    return aioredis.from_url(url, socket_connect_timeout=0.5, socket_timeout=settings.block + 5)


def consumer_name() -> str:
    """Unique per process, so a restarted process never takes over its predecessor's pending
    messages by name: they are claimed like any dead consumer's."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class StreamPublisher:
    """The relay's transport with Redis: the batch in one round trip, in outbox order."""

    redis: aioredis.Redis
    stream: str

    async def publish(self, events: Sequence[Event]) -> Mapping[str, datetime | None]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(self.stream, {"event": event.to_json()})
            await pipe.execute()
        return {event.id: None for event in events}


@dataclass
class StreamConsumer:
    """One process's consumer in its service's group. `run` until cancelled; `stop` lets the
    message being handled finish."""

    redis: aioredis.Redis
    group: str
    handlers: Mapping[str, Handler]
    settings: EventsSettings
    name: str = field(default_factory=consumer_name)
    _reading: bool = field(default=False, init=False, repr=False)  # in XREADGROUP: safe to cancel
    _stopping: bool = field(default=False, init=False, repr=False)

    @property
    def stream(self) -> str:
        return self.settings.stream

    async def ensure_group(self) -> None:
        """From the stream's first entry, so a group created after events were sent misses none."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def run(self) -> None:
        """Never raises for Redis trouble: logs it and tries again a second later."""
        uncounted()  # background work: not what requests cost
        claim_at = 0.0
        while not self._stopping:
            try:
                await self.ensure_group()
                while not self._stopping:
                    if time.monotonic() >= claim_at:
                        claim_at = time.monotonic() + max(0.05, min(self.settings.claim_idle / 2, 5.0))
                        await self.claim_stale()
                    await self.read_new()
            except (RedisError, OSError) as exc:
                log.warning("%s events: Redis unavailable (%s: %s); retrying", self.group, type(exc).__name__, exc)
                await asyncio.sleep(1.0)
            except Exception:  # never stop consuming for one bad round
                log.exception("%s events: consumer round failed; retrying", self.group)
                await asyncio.sleep(1.0)

    async def stop(self, task: asyncio.Task[None], grace: float = 10.0) -> None:
        self._stopping = True
        if self._reading:
            task.cancel()  # waiting for messages: nothing is lost by not waiting on
        try:
            await asyncio.wait_for(task, grace)
        except (asyncio.CancelledError, TimeoutError):
            pass

    async def read_new(self) -> int:
        self._reading = True
        try:
            reply = await self.redis.xreadgroup(self.group, self.name, {self.stream: ">"}, count=10,
                                                block=max(1, int(self.settings.block * 1000)))
        finally:
            self._reading = False
        entries = _entries(_read(reply))
        for message_id, fields in entries:
            await self.handle(message_id, fields, deliveries=1)
        return len(entries)

    async def claim_stale(self) -> int:
        """Take over messages any consumer of the group left pending for `claim_idle`."""
        claimed, start = 0, "0-0"
        while True:
            reply = await self.redis.xautoclaim(self.stream, self.group, self.name,
                                                int(self.settings.claim_idle * 1000), start, count=10)
            next_start, entries = reply[0], _entries(reply[1])  # Redis 7 adds the ids it found deleted
            deliveries = await self._deliveries([message_id for message_id, _ in entries])
            for message_id, fields in entries:
                await self.handle(message_id, fields, deliveries.get(message_id, 1))
            claimed += len(entries)
            start = _text(next_start)
            if start == "0-0" or self._stopping:
                return claimed

    async def _deliveries(self, ids: list[str]) -> dict[str, int]:
        """How often each message was delivered (XAUTOCLAIM counted this time too)."""
        if not ids:
            return {}
        pending = await self.redis.xpending_range(self.stream, self.group, min(ids, key=_stream_order),
                                                  max(ids, key=_stream_order), len(ids) + 100, self.name)
        return {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}  # type: ignore[arg-type]

    async def handle(self, message_id: str, fields: Fields, deliveries: int) -> None:
        """Apply one message, then acknowledge it; a failed handler leaves it pending."""
        target = fields.get(b"group")
        if target is not None and _text(target) != self.group:  # re-sent for another group
            await self.redis.xack(self.stream, self.group, message_id)
            return
        try:
            event = received(fields.get(b"event", b""))
        except ValueError as exc:
            await self.dead(message_id, fields, f"malformed envelope: {exc}", deliveries)
            return
        if deliveries > self.settings.max_attempts:  # its consumers died handling it
            await self.dead(message_id, fields, "no consumer finished handling it", deliveries - 1)
            return
        try:
            await apply(self.handlers, event)
        except Exception as exc:  # the handler's own failure: left pending, claimed again later
            log.exception("%s events: handling %s %s failed (delivery %d of %d)", self.group, event.type,
                          event.id, deliveries, self.settings.max_attempts)
            if deliveries >= self.settings.max_attempts:
                await self.dead(message_id, fields, f"{type(exc).__name__}: {exc}", deliveries)
            return
        await self.redis.xack(self.stream, self.group, message_id)

    async def dead(self, message_id: str, fields: Fields, error: str, attempts: int) -> None:
        """Move the message to the dead-letter stream, for `graft events`."""
        log.error("%s events: message %s is a dead letter after %d attempts: %s", self.group, message_id,
                  attempts, error)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.settings.dead_stream, {"event": fields.get(b"event", b""), "group": self.group,
                                                  "error": error[:1000], "attempts": attempts,
                                                  "message_id": message_id})
            pipe.xack(self.stream, self.group, message_id)
            await pipe.execute()


def _entries(messages: Any) -> list[tuple[str, Fields]]:
    """(id, fields) of each message a read or claim returned; deleted ones (no fields) left out."""
    return [(_text(message_id), fields) for message_id, fields in messages or [] if fields is not None]


def _read(reply: Any) -> list[Any]:
    """The messages of an XREADGROUP reply in RESP2, which our clients speak: [[stream, messages]]."""
    return [message for _name, messages in reply or [] for message in messages]


def _stream_order(message_id: str) -> tuple[int, int]:
    ms, _, seq = message_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True)
class DeadMessage:
    id: str
    group: str
    error: str
    attempts: int
    event: bytes


async def dead_messages(redis: aioredis.Redis, settings: EventsSettings) -> list[DeadMessage]:
    return [_dead(message_id, fields) for message_id, fields in _entries(await redis.xrange(settings.dead_stream))]


def _dead(message_id: str, fields: Any) -> DeadMessage:
    return DeadMessage(message_id, _text(fields.get(b"group", b"")), _text(fields.get(b"error", b"")),
                       int(fields.get(b"attempts", 0)), fields.get(b"event", b""))


async def requeue(redis: aioredis.Redis, settings: EventsSettings, message_id: str) -> bool:
    """Send a dead letter again, to its group only (the others have it); False when not found."""
    found = await redis.xrange(settings.dead_stream, message_id, message_id)
    if not found:
        return False
    letter = _dead(message_id, found[0][1])
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(settings.stream, {"event": letter.event, "group": letter.group})
        pipe.xdel(settings.dead_stream, message_id)
        await pipe.execute()
    return True


async def discard(redis: aioredis.Redis, settings: EventsSettings, message_id: str) -> bool:
    return bool(await redis.xdel(settings.dead_stream, message_id))
