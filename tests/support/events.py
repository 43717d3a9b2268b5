"""Domain events in tests: a consumer's own effect table, handlers that record (or fail, or
sleep), outbox events to publish, and a service token without a token endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import Integer, String, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from auth import scopes
from subgraphs.common.app import create_app
from subgraphs.common.db import Database
from subgraphs.common.events import Event, EventsBase, applying, publish
from subgraphs.common.events.envelope import OrderCancelled, OrderPaid
from subgraphs.common.events.service import Handler, ServiceEvents
from subgraphs.common.settings import ServiceSettings
from tests.support.apps import service_bearer


class EffectsBase(DeclarativeBase):
    pass


class Effect(EffectsBase):
    """What a handler changed: one row per application, no unique key, so applying an event
    twice would show as two rows."""

    __tablename__ = "effects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(64))


def events_database(url: str, schema: str | None = None) -> Database:
    return Database(url, (EffectsBase.metadata, EventsBase.metadata), schema=schema)


async def open_database(url: str, schema: str | None = None) -> Database:
    db = events_database(url, schema)
    await db.create_all()
    return db


async def close_database(db: Database) -> None:
    """Disposed, and on PostgreSQL its schema dropped."""
    if db.is_postgres:
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE'))
    await db.dispose()


@dataclass
class Recorder:
    """Handlers over `db` that record an Effect per event; `failing` makes them raise first,
    `delay` makes them slow (inside the transaction)."""

    db: Database
    failing: bool = False
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)

    async def handle(self, event: Event) -> None:
        self.calls.append(event.id)
        async with applying(self.db, event) as session:
            if self.failing:
                raise RuntimeError("the handler broke")
            if self.delay:
                await asyncio.sleep(self.delay)
            session.add(Effect(event_id=event.id, type=event.type))

    def handlers(self, types: Iterable[str] = ("order.paid", "order.cancelled")) -> dict[str, Handler]:
        return {event_type: self.handle for event_type in types}


async def effects(db: Database) -> dict[str, int]:
    """How often each event was applied."""
    async with db.session() as session:
        rows = await session.execute(select(Effect.event_id, func.count()).group_by(Effect.event_id))
        return {event_id: n for event_id, n in rows}


async def publish_paid(db: Database, n: int, source: str = "orders") -> list[Event]:
    """`n` order.paid events in the outbox (subscriber: catalog), committed."""
    async with db.session() as session, session.begin():
        return [publish(session, source, OrderPaid(order_id=i, reservation_id=f"r{i}", payment_id=i))
                for i in range(1, n + 1)]


async def publish_cancelled(db: Database, source: str = "orders") -> Event:
    """One order.cancelled (subscribers: catalog and payments)."""
    async with db.session() as session, session.begin():
        return publish(session, source, OrderCancelled(order_id=7, reservation_id="r7", reason="customer",
                                                       was_paid=False))


class StaticToken:
    """A ServiceToken stand-in: a real signed token for `name`, no token endpoint."""

    def __init__(self, name: str = "orders", granted: Iterable[str] = (scopes.EVENTS_DELIVER,)) -> None:
        self.value = service_bearer(name, granted)["Authorization"].removeprefix("Bearer ")
        self.forgotten = 0

    async def get(self) -> str:
        return self.value

    def forget(self, token: str) -> None:
        self.forgotten += 1


async def _no_graphql(request: web.Request) -> web.Response:
    return web.json_response({"data": None})


def events_app(name: str, db: Database, handlers: Mapping[str, Handler] | None = None, *, jobs: bool = False,
               redis_url: str | None = None, port: int = 0) -> web.Application:
    """The real subgraph app (create_app) of a service called `name` whose only business is
    events: `handlers` consumed, its outbox relayed when `jobs`."""
    settings = ServiceSettings(name=name, port=port, database_url=str(db.url), database_schema=db.schema or "",
                               redis_url=redis_url, seed=False, jobs=jobs)
    return create_app(settings, db, _no_graphql, events=ServiceEvents(handlers=lambda app: handlers or {}))
