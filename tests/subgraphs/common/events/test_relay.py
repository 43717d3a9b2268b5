import asyncio
from datetime import datetime, timezone

from sqlalchemy import select, update

from subgraphs.common.events.admin import counts
from subgraphs.common.events.relay import Relay, claim
from subgraphs.common.events.store import OutboxEvent, unpublished
from subgraphs.common.events.streams import StreamConsumer, StreamPublisher
from tests.support.events import Recorder, effects, publish_paid


class Collecting:
    """A transport that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def publish(self, events):
        self.sent += [event.id for event in events]
        return {event.id: None for event in events}


async def test_claims_lease_the_oldest_rows_and_skip_leased_ones(db):
    events = await publish_paid(db, 5)
    first = await claim(db, 3, lease=30)
    second = await claim(db, 3, lease=30)
    assert [row.event_id for row in first] == [e.id for e in events[:3]]
    assert [row.event_id for row in second] == [e.id for e in events[3:]]
    assert await claim(db, 3, lease=30) == []
    async with db.session() as session, session.begin():  # a relay that held the first rows died
        await session.execute(update(OutboxEvent).where(OutboxEvent.event_id == events[0].id)
                              .values(claimed_until=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    again = await claim(db, 3, lease=30)
    assert [(row.event_id, row.attempts) for row in again] == [(events[0].id, 2)]


async def test_concurrent_relays_claim_disjoint_rows(db):
    events = await publish_paid(db, 30)
    claimed: list[str] = []
    while True:  # five relays at once, round after round, until the outbox is all claimed
        batches = await asyncio.gather(*(claim(db, 10, lease=30) for _ in range(5)))
        if not any(batches):
            break
        claimed += [row.event_id for batch in batches for row in batch]
    assert sorted(claimed) == sorted(e.id for e in events)  # each row once


async def test_the_relay_publishes_in_order_and_marks_published(db):
    events = await publish_paid(db, 4)
    transport = Collecting()
    relay = Relay(db, transport, batch=3)
    assert await relay.run_once() == 3
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0
    assert transport.sent == [e.id for e in events]
    assert await unpublished(db) == []
    assert (await counts(db)).published == 4


async def test_a_failing_transport_leaves_the_rows_to_a_later_round(db):
    class Down:
        async def publish(self, events):
            raise ConnectionError("down")

    await publish_paid(db, 2)
    relay = Relay(db, Down(), lease=30, retry=0)
    try:
        await relay.run_once()
    except ConnectionError:
        pass
    transport = Collecting()
    assert await Relay(db, transport).run_once() == 2  # offered again without waiting out the lease


async def test_a_relay_crash_between_publishing_and_marking_republishes_and_the_duplicate_is_counted(
        postgres_db, redis, stream_settings):
    db = postgres_db  # producer and consumer share the database here
    events = await publish_paid(db, 3)
    publisher = StreamPublisher(redis, stream_settings.stream)
    rows = await claim(db, 10, lease=0)  # the crashed relay's lease ends at once
    await publisher.publish([row.event() for row in rows])  # ... and it died before marking them
    assert len(await unpublished(db)) == 3

    assert await Relay(db, publisher).run_once() == 3
    consumer = StreamConsumer(redis, "catalog", Recorder(db).handlers(), stream_settings)
    await consumer.ensure_group()
    while await consumer.read_new():
        pass
    assert await effects(db) == {e.id: 1 for e in events}
    assert await counts(db) == type(await counts(db))(published=3, unpublished=0, applied=3, duplicates=3)
    assert await redis.xpending(stream_settings.stream, "catalog") == {
        "pending": 0, "min": None, "max": None, "consumers": []}
    async with db.session() as session:
        assert set(await session.scalars(select(OutboxEvent.attempts))) == {2}
