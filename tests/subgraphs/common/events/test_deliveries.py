import asyncio

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from subgraphs.common.credentials import CredentialsError
from subgraphs.common.events.admin import Sources, counts, dead_letters, drop, retry
from subgraphs.common.events.config import EventsSettings
from subgraphs.common.events.deliveries import HttpPublisher, events_url
from subgraphs.common.events.relay import Relay
from subgraphs.common.events.store import EventDelivery, OutboxEvent, unpublished
from tests.support.events import (Recorder, StaticToken, close_database, effects, events_app, open_database,
                                  publish_cancelled, publish_paid)
from tests.support.processes import free_port

SETTINGS = EventsSettings(retry_base=0.05, retry_max=0.2, max_attempts=3, delivery_timeout=2)


class Consumers:
    """Consumer services on fixed ports, started and stopped at will; a stopped one refuses
    connections."""

    def __init__(self, tmp_path) -> None:
        self.tmp_path = tmp_path
        self.ports: dict[str, int] = {}
        self.servers: dict[str, TestServer] = {}
        self.recorders: dict[str, Recorder] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports.setdefault(name, free_port())}/events"

    async def start(self, name: str, failing: bool = False) -> Recorder:
        db = await open_database(f"sqlite+aiosqlite:///{self.tmp_path / f'{name}.db'}")
        recorder = self.recorders[name] = Recorder(db, failing=failing)
        self.url(name)
        server = self.servers[name] = TestServer(events_app(name, db, recorder.handlers()), port=self.ports[name])
        await server.start_server()
        return recorder

    async def close(self) -> None:
        for server in self.servers.values():
            await server.close()
        for recorder in self.recorders.values():
            await close_database(recorder.db)


@pytest.fixture
async def consumers(tmp_path):
    found = Consumers(tmp_path)
    yield found
    await found.close()


@pytest.fixture
async def relay(db, consumers):
    async with aiohttp.ClientSession() as http:
        yield Relay(db, HttpPublisher(db, http, StaticToken("orders"), SETTINGS, consumers.url))


async def deliveries(db) -> dict[tuple[str, str], tuple[str, int]]:
    async with db.session() as session:
        rows = await session.scalars(select(EventDelivery))
        return {(row.event_id, row.consumer): (row.state, row.attempts) for row in rows}


async def relay_until_published(relay: Relay, rounds: int = 100) -> None:
    for _ in range(rounds):
        await relay.run_once()
        if not await unpublished(relay.db):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox was not published")


def test_the_events_url_is_beside_the_graphql_one(monkeypatch):
    monkeypatch.setenv("CATALOG_URL", "http://catalog.internal:8080/graphql")
    assert events_url("catalog") == "http://catalog.internal:8080/events"
    assert events_url("payments") == "http://127.0.0.1:4004/events"


async def test_a_delivery_is_retried_while_the_consumer_is_down_then_delivered(db, relay, consumers):
    events = await publish_paid(db, 2)
    assert await relay.run_once() == 2
    # the first was tried and failed; the second waits as long without costing an attempt
    assert await deliveries(db) == {(events[0].id, "catalog"): ("pending", 1),
                                    (events[1].id, "catalog"): ("pending", 0)}
    async with db.session() as session:  # the outbox row is offered again when the first retry is due
        row = await session.scalar(select(OutboxEvent).where(OutboxEvent.event_id == events[0].id))
        retry_at = await session.scalar(select(EventDelivery.next_attempt_at)
                                        .where(EventDelivery.event_id == events[0].id))
    assert row.published_at is None and row.claimed_until == retry_at
    recorder = await consumers.start("catalog")
    await relay_until_published(relay)
    assert await effects(recorder.db) == {e.id: 1 for e in events}
    assert {state for state, _ in (await deliveries(db)).values()} == {"delivered"}
    assert (await counts(db)).published == 2


async def test_an_event_waits_for_every_subscriber(db, relay, consumers):
    event = await publish_cancelled(db)  # catalog and payments consume it
    catalog = await consumers.start("catalog")
    await relay.run_once()
    assert await effects(catalog.db) == {event.id: 1}
    assert len(await unpublished(db)) == 1  # payments is down
    payments = await consumers.start("payments")
    await relay_until_published(relay)
    assert await effects(payments.db) == {event.id: 1}
    assert catalog.calls == [event.id]  # delivered to the catalog once


async def test_a_dead_delivery_is_listed_retried_by_hand_and_applied_once(db, relay, consumers):
    [event] = await publish_paid(db, 1)
    recorder = await consumers.start("catalog", failing=True)
    await relay_until_published(relay)  # published: its one delivery is dead
    assert len(recorder.calls) == SETTINGS.max_attempts
    sources = Sources({"orders": db}, None, SETTINGS)
    [letter] = await dead_letters(sources)
    assert (letter.id, letter.transport, letter.consumer, letter.attempts) == (
        f"orders/{event.id}/catalog", "http", "catalog", 3)
    assert "HTTP 500" in letter.error

    recorder.failing = False
    assert await retry(sources, letter.id)
    assert len(await unpublished(db)) == 1 and await dead_letters(sources) == []
    await relay_until_published(relay)
    assert await effects(recorder.db) == {event.id: 1}
    assert not await retry(sources, letter.id)  # no longer dead


async def test_a_dropped_delivery_is_never_tried_again(db, relay, consumers):
    [event] = await publish_paid(db, 1)
    recorder = await consumers.start("catalog", failing=True)
    await relay_until_published(relay)
    sources = Sources({"orders": db}, None, SETTINGS)
    assert await drop(sources, f"orders/{event.id}/catalog")
    assert await dead_letters(sources) == [] and not await drop(sources, f"orders/{event.id}/catalog")
    assert await relay.run_once() == 0
    assert len(recorder.calls) == SETTINGS.max_attempts


async def test_no_service_token_yet_postpones_without_costing_attempts(db, consumers):
    class NoToken:
        async def get(self):
            raise CredentialsError("token endpoint unreachable")

    [event] = await publish_paid(db, 1)
    await consumers.start("catalog")
    async with aiohttp.ClientSession() as http:
        relay = Relay(db, HttpPublisher(db, http, NoToken(), SETTINGS, consumers.url))
        for _ in range(SETTINGS.max_attempts + 1):
            await relay.run_once()
            await asyncio.sleep(SETTINGS.retry_base * 2)
    assert await deliveries(db) == {(event.id, "catalog"): ("pending", 0)}
