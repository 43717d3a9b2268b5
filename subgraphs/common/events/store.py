"""The tables every service keeps for events, beside its own, in its own database: the outbox
(events written in the same transaction as the change they report) and the events it has
applied (recorded in the same transaction as their effect, so a redelivery changes nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import orjson
from sqlalchemy import DateTime, Integer, MetaData, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import Database, as_utc
from subgraphs.common.events.envelope import Event, Payload


class EventsBase(DeclarativeBase):
    metadata = MetaData()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class OutboxEvent(EventsBase):
    """An event to publish. `position` orders the outbox; the relay sets `published_at`."""

    __tablename__ = "outbox_events"
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    # a relay replica's lease on the row while it publishes it
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    def event(self) -> Event:
        return Event(self.event_id, self.type, self.source, as_utc(self.occurred_at), orjson.loads(self.payload))


class ProcessedEvent(EventsBase):
    """An event this service has applied; `duplicates` counts the deliveries it suppressed."""

    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)


class EventDelivery(EventsBase):
    """HTTP transport: one outbox event's delivery to one consuming service, kept in the producer's
    database so a restarted producer resumes where it stopped. `pending` until the consumer
    answers 200 (`delivered`) or `attempts` reach the limit (`dead`, until `graft events retry`)."""

    __tablename__ = "event_deliveries"
    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


def publish(session: AsyncSession, source: str, payload: Payload) -> Event:
    """Add the event to the outbox in the caller's transaction: it is published if and only if
    that transaction commits."""
    event = Event.new(source, payload)
    session.add(OutboxEvent(event_id=event.id, type=event.type, source=source, occurred_at=event.occurred_at,
                            payload=orjson.dumps(event.payload).decode()))
    return event


class AlreadyApplied(Exception):
    """The event was applied before: acknowledge it and do nothing."""


async def already_applied(db: Database, event: Event) -> bool:
    async with db.session() as session:
        return await session.get(ProcessedEvent, event.id) is not None


@asynccontextmanager
async def applying(db: Database, event: Event) -> AsyncIterator[AsyncSession]:
    """A transaction in which the handler applies `event`; the event is recorded as processed in
    it, so the effect and the record commit together. AlreadyApplied (the duplicate counted) when
    another delivery got there first; then nothing the handler did is kept."""
    try:
        async with db.session() as session, session.begin():
            session.add(ProcessedEvent(event_id=event.id, type=event.type, source=event.source))
            try:
                await session.flush()  # the primary key decides a race between two deliveries
            except IntegrityError:
                raise AlreadyApplied(event.id) from None
            yield session
    except AlreadyApplied:
        await count_duplicate(db, event)
        raise


async def count_duplicate(db: Database, event: Event) -> None:
    async with db.session() as session, session.begin():
        await session.execute(update(ProcessedEvent).where(ProcessedEvent.event_id == event.id)
                              .values(duplicates=ProcessedEvent.duplicates + 1))


async def unpublished(db: Database, limit: int = 100) -> list[OutboxEvent]:
    """The oldest events not yet published (for tests and `graft events`)."""
    async with db.session() as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                                     .order_by(OutboxEvent.position).limit(limit))
        return list(rows)
