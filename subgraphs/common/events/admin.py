"""`graft events` and the crash tests' counts: the dead letters of both transports (the Redis
dead-letter stream, HTTP deliveries marked dead in each producer's database), the outboxes'
backlog, retrying and dropping a dead letter. It finds the databases and Redis through the
environment the services use (ServiceSettings.from_env, REDIS_URL)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from subgraphs.common.db import Database, rows_matched
from subgraphs.common.events.config import EventsSettings
from subgraphs.common.events.store import EventDelivery, EventsBase, OutboxEvent, ProcessedEvent
from subgraphs.common.events.streams import dead_messages, discard, requeue
from subgraphs.common.settings import SUBGRAPH_PORTS, ServiceSettings

REDIS_ID = re.compile(r"\d{1,20}-\d{1,20}")  # a dead-letter stream entry
HTTP_ID = re.compile(r"(?P<producer>[a-z]{1,20})/(?P<event_id>[A-Za-z0-9_-]{1,32})/(?P<consumer>[a-z]{1,20})")


@dataclass(frozen=True)
class EventCounts:
    """published: outbox rows marked published; applied: events this service applied;
    duplicates: deliveries of already applied events it suppressed."""

    published: int
    unpublished: int
    applied: int
    duplicates: int


async def counts(db: Database) -> EventCounts:
    async with db.session() as session:
        published = await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_not(None)))
        unpublished = await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None)))
        applied = await session.scalar(select(func.count()).select_from(ProcessedEvent))
        duplicates = await session.scalar(select(func.coalesce(func.sum(ProcessedEvent.duplicates), 0)))
    return EventCounts(int(published or 0), int(unpublished or 0), int(applied or 0), int(duplicates or 0))


@dataclass(frozen=True)
class DeadLetter:
    """`id` is what retry and drop take: a Redis stream id, or producer/event id/consumer."""

    id: str
    transport: str
    producer: str
    consumer: str
    event_type: str
    attempts: int
    error: str


@dataclass
class Sources:
    """Each service's database, as the services find theirs, and Redis when REDIS_URL is set."""

    databases: dict[str, Database]
    redis: aioredis.Redis | None
    settings: EventsSettings

    @classmethod
    def from_env(cls) -> Sources:
        redis_url = os.environ.get("REDIS_URL") or None
        databases = {}
        for name in SUBGRAPH_PORTS:
            service = ServiceSettings.from_env(name)
            if _exists(service.database_url):
                databases[name] = Database(service.database_url, EventsBase.metadata, service.database_schema)
        redis = aioredis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5) if redis_url else None
        return cls(databases, redis, EventsSettings.from_env(redis_url))

    async def close(self) -> None:
        for db in self.databases.values():
            await db.dispose()
        if self.redis is not None:
            await self.redis.aclose()


def _exists(url: str) -> bool:
    """A SQLite file that is not there is a service never started here: not created by looking."""
    prefix = "sqlite+aiosqlite:///"
    return not url.startswith(prefix) or Path(url.removeprefix(prefix)).exists()


async def dead_letters(sources: Sources, service: str | None = None) -> list[DeadLetter]:
    """Every dead letter, or those `service` produced or should have consumed."""
    letters: list[DeadLetter] = []
    if sources.redis is not None:
        for message in await dead_messages(sources.redis, sources.settings):
            envelope = _envelope(message.event)
            letters.append(DeadLetter(message.id, "redis", str(envelope.get("source", "?")), message.group,
                                      str(envelope.get("type", "?")), message.attempts, message.error))
    for producer, db in sources.databases.items():
        letters += await _dead_deliveries(producer, db)
    return [letter for letter in letters if service in (None, letter.producer, letter.consumer)]


def _envelope(raw: bytes) -> dict[str, object]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


async def _dead_deliveries(producer: str, db: Database) -> list[DeadLetter]:
    query = (select(EventDelivery, OutboxEvent.type).join(OutboxEvent, OutboxEvent.event_id == EventDelivery.event_id)
             .where(EventDelivery.state == "dead").order_by(OutboxEvent.position))
    try:
        async with db.session() as session:
            rows = (await session.execute(query)).all()
    except DBAPIError:  # no events tables: a service that keeps no outbox
        return []
    return [DeadLetter(f"{producer}/{d.event_id}/{d.consumer}", "http", producer, d.consumer, event_type,
                       d.attempts, d.last_error or "") for d, event_type in rows]


async def backlog(sources: Sources, service: str | None = None) -> dict[str, int]:
    """Unpublished outbox rows per service that keeps an outbox."""
    found = {}
    for name, db in sources.databases.items():
        if service in (None, name):
            try:
                found[name] = (await counts(db)).unpublished
            except DBAPIError:
                continue
    return found


async def retry(sources: Sources, letter_id: str) -> bool:
    """Deliver a dead letter again; False when there is no such dead letter.
    ValueError for an id of neither form, or a Redis one without REDIS_URL."""
    if REDIS_ID.fullmatch(letter_id):
        return await requeue(_redis(sources), sources.settings, letter_id)
    producer, event_id, consumer = _http_id(letter_id)
    db = sources.databases.get(producer)
    if db is None:
        return False
    async with db.session() as session, session.begin():
        revived = await rows_matched(session,
            update(EventDelivery).where(EventDelivery.event_id == event_id, EventDelivery.consumer == consumer,
                                        EventDelivery.state == "dead")
            .values(state="pending", attempts=0, next_attempt_at=datetime.now(timezone.utc), last_error=None)
            .execution_options(synchronize_session=False))
        if not revived:
            return False
        # the relay offers the event again; its delivered deliveries stay delivered
        await session.execute(update(OutboxEvent).where(OutboxEvent.event_id == event_id)
                              .values(published_at=None, claimed_until=None)
                              .execution_options(synchronize_session=False))
    return True


async def drop(sources: Sources, letter_id: str) -> bool:
    """Give a dead letter up for good. An HTTP delivery is kept as `dropped` (so the relay never
    opens it again), no longer listed."""
    if REDIS_ID.fullmatch(letter_id):
        return await discard(_redis(sources), sources.settings, letter_id)
    producer, event_id, consumer = _http_id(letter_id)
    db = sources.databases.get(producer)
    if db is None:
        return False
    async with db.session() as session, session.begin():
        return bool(await rows_matched(session,
            update(EventDelivery).where(EventDelivery.event_id == event_id, EventDelivery.consumer == consumer,
                                        EventDelivery.state == "dead")
            .values(state="dropped").execution_options(synchronize_session=False)))


def _redis(sources: Sources) -> aioredis.Redis:
    if sources.redis is None:
        raise ValueError("that is a Redis dead letter, and REDIS_URL is not set")
    return sources.redis


def _http_id(letter_id: str) -> tuple[str, str, str]:
    match = HTTP_ID.fullmatch(letter_id)
    if match is None:
        raise ValueError(f"{letter_id!r} is not a dead letter id (a Redis stream id, or producer/event/consumer)")
    return match["producer"], match["event_id"], match["consumer"]


def command(action: str, letter_id: str | None = None, service: str | None = None) -> int:
    """`graft events list|retry ID|drop ID`: 0 done, 1 no such dead letter (or a source could not
    be read), 2 a malformed id."""
    return asyncio.run(_command(action, letter_id, service))


async def _command(action: str, letter_id: str | None, service: str | None) -> int:
    try:
        sources = Sources.from_env()
    except ValueError as exc:  # a malformed setting
        print(f"graft events: {exc}", file=sys.stderr)
        return 2
    try:
        if action == "list":
            return await _list(sources, service)
        assert letter_id is not None
        done = await (retry if action == "retry" else drop)(sources, letter_id)
    except ValueError as exc:
        print(f"graft events: {exc}", file=sys.stderr)
        return 2
    except (DBAPIError, OSError, RedisError) as exc:
        print(f"graft events: cannot read the events: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        await sources.close()
    if not done:
        print(f"graft events: no dead letter {letter_id}", file=sys.stderr)
        return 1
    print(f"{'re-queued' if action == 'retry' else 'dropped'} {letter_id}")
    return 0


async def _list(sources: Sources, service: str | None) -> int:
    letters = await dead_letters(sources, service)
    if not letters:
        print("no dead letters")
    else:
        print(f"{len(letters)} dead letter(s):")
        rows = [("ID", "VIA", "FROM", "TO", "TYPE", "ATTEMPTS", "ERROR")]
        rows += [(d.id, d.transport, d.producer, d.consumer, d.event_type, str(d.attempts), _line(d.error))
                 for d in letters]
        widths = [max(len(row[i]) for row in rows) for i in range(6)]
        for row in rows:
            print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[6])
    waiting = await backlog(sources, service)
    listed = ", ".join(f"{name} {n}" for name, n in waiting.items())
    print(f"unpublished outbox events: {listed or 'no outbox found'}")
    return 0


def _line(error: str) -> str:
    return " ".join(error.split())[:120]
