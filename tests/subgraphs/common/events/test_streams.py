import asyncio

from subgraphs.common.events import Event
from subgraphs.common.events.admin import Sources, counts, dead_letters, retry
from subgraphs.common.events.envelope import OrderPaid
from subgraphs.common.events.streams import StreamConsumer, dead_messages
from tests.support.events import Recorder, close_database, effects, open_database


def paid(order_id: int = 1) -> Event:
    return Event.new("orders", OrderPaid(order_id=order_id, reservation_id="r", payment_id=order_id))


async def consumer_for(redis, settings, recorder: Recorder, group: str = "catalog",
                       types: tuple[str, ...] = ("order.paid",)) -> StreamConsumer:
    consumer = StreamConsumer(redis, group, recorder.handlers(types), settings)
    await consumer.ensure_group()
    return consumer


async def pending(redis, settings, group: str = "catalog") -> int:
    return (await redis.xpending(settings.stream, group))["pending"]


async def test_an_event_delivered_twice_is_applied_once_and_the_duplicate_counted(sqlite_db, redis, stream_settings):
    recorder = Recorder(sqlite_db)
    consumer = await consumer_for(redis, stream_settings, recorder)
    event = paid()
    for _ in range(2):  # the relay published it twice
        await redis.xadd(stream_settings.stream, {"event": event.to_json()})
    assert await consumer.read_new() == 2
    assert await effects(sqlite_db) == {event.id: 1}
    assert (await counts(sqlite_db)).duplicates == 1
    assert await pending(redis, stream_settings) == 0  # both acknowledged


async def test_types_without_a_handler_are_acknowledged_at_once(sqlite_db, redis, stream_settings):
    recorder = Recorder(sqlite_db)
    consumer = StreamConsumer(redis, "payments", recorder.handlers(["order.cancelled"]), stream_settings)
    await consumer.ensure_group()
    await redis.xadd(stream_settings.stream, {"event": paid().to_json()})
    assert await consumer.read_new() == 1
    assert recorder.calls == [] and await pending(redis, stream_settings, "payments") == 0


async def test_a_dead_consumers_pending_message_is_claimed_and_applied(sqlite_db, redis, stream_settings):
    recorder = Recorder(sqlite_db)
    live = await consumer_for(redis, stream_settings, recorder)
    event = paid()
    await redis.xadd(stream_settings.stream, {"event": event.to_json()})
    # another process of the catalog read it, then died before acknowledging it
    await redis.xreadgroup("catalog", "dead-process", {stream_settings.stream: ">"}, count=10)
    assert await live.read_new() == 0
    await asyncio.sleep(stream_settings.claim_idle * 2)
    assert await live.claim_stale() == 1
    assert await effects(sqlite_db) == {event.id: 1}
    assert await pending(redis, stream_settings) == 0


async def test_a_failing_handler_is_retried_then_dead_lettered_then_retried_by_hand(sqlite_db, redis,
                                                                                    stream_settings, tmp_path):
    recorder = Recorder(sqlite_db, failing=True)
    consumer = await consumer_for(redis, stream_settings, recorder)
    other_db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")  # another service's
    other_recorder = Recorder(other_db)
    other = await consumer_for(redis, stream_settings, other_recorder, "payments")
    event = paid()
    await redis.xadd(stream_settings.stream, {"event": event.to_json()})
    await other.read_new()
    assert await consumer.read_new() == 1  # delivery 1 fails; the message stays pending
    assert await pending(redis, stream_settings) == 1
    for _ in range(stream_settings.max_attempts - 1):  # claimed again after claim_idle, failing each time
        await asyncio.sleep(stream_settings.claim_idle * 2)
        assert await consumer.claim_stale() == 1
    assert len(recorder.calls) == stream_settings.max_attempts
    assert await pending(redis, stream_settings) == 0  # acknowledged into the dead-letter stream
    [letter] = await dead_messages(redis, stream_settings)
    assert (letter.group, letter.attempts, letter.error) == ("catalog", 3, "RuntimeError: the handler broke")

    sources = Sources({}, redis, stream_settings)
    [listed] = await dead_letters(sources)
    assert (listed.id, listed.producer, listed.consumer, listed.event_type) == (
        letter.id, "orders", "catalog", "order.paid")
    recorder.failing = False
    assert await retry(sources, letter.id)
    assert await dead_messages(redis, stream_settings) == []
    assert await consumer.read_new() == 1
    assert await other.read_new() == 1  # re-sent to the catalog only: the payments group acknowledges it
    assert len(other_recorder.calls) == 1 and await pending(redis, stream_settings, "payments") == 0
    await close_database(other_db)
    assert await effects(sqlite_db) == {event.id: 1}
    assert await counts(sqlite_db) == type(await counts(sqlite_db))(0, 0, applied=1, duplicates=0)
    assert not await retry(sources, letter.id)  # gone from the dead letters


async def test_a_malformed_message_is_dead_lettered_at_once(sqlite_db, redis, stream_settings):
    consumer = await consumer_for(redis, stream_settings, Recorder(sqlite_db))
    await redis.xadd(stream_settings.stream, {"event": b'{"id": "x"}'})
    await consumer.read_new()
    [letter] = await dead_messages(redis, stream_settings)
    assert letter.error.startswith("malformed envelope") and letter.attempts == 1
    assert await pending(redis, stream_settings) == 0


async def test_the_consumer_runs_until_stopped(sqlite_db, redis, stream_settings):
    recorder = Recorder(sqlite_db)
    consumer = StreamConsumer(redis, "catalog", recorder.handlers(), stream_settings)
    task = asyncio.create_task(consumer.run())
    events = [paid(i) for i in range(1, 4)]
    for event in events:
        await redis.xadd(stream_settings.stream, {"event": event.to_json()})
    for _ in range(200):
        if len(await effects(sqlite_db)) == 3:
            break
        await asyncio.sleep(0.02)
    await consumer.stop(task)
    assert task.done()
    assert await effects(sqlite_db) == {e.id: 1 for e in events}
