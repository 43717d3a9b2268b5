"""A consumer process killed with SIGKILL while handling events, after a relay that crashed
between publishing and marking: once a new process has taken over, every event is applied
exactly once and the redeliveries are counted as suppressed duplicates."""

import asyncio
import signal

import redis.asyncio as aioredis

from subgraphs.common.events.admin import counts
from subgraphs.common.events.relay import Relay, claim
from subgraphs.common.events.streams import StreamPublisher
from tests.support.events import close_database, effects, open_database, publish_paid
from tests.support.processes import start_module

EVENTS = 12


async def wait_until(check, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")


async def test_a_consumer_killed_mid_way_applies_everything_once_after_restart(
        tmp_path, monkeypatch, redis_url, redis_prefix, capsys):
    stream = f"{redis_prefix}events"
    for name, value in {"REDIS_URL": redis_url, "GRAFT_EVENTS_STREAM": stream, "GRAFT_EVENTS_CLAIM_IDLE": "0.5",
                        "GRAFT_EVENTS_BLOCK": "0.2", "GRAFT_SEED": "0"}.items():
        monkeypatch.setenv(name, value)
    producer = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    consumer_url = f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}"
    consumer = await open_database(consumer_url)
    redis = aioredis.from_url(redis_url)
    events = await publish_paid(producer, EVENTS)
    publisher = StreamPublisher(redis, stream)
    await publisher.publish([row.event() for row in await claim(producer, EVENTS, lease=0)])  # relay crashed here
    assert await Relay(producer, publisher).run_once() == EVENTS  # the next round sends them all again

    first = start_module("consumer-1", "tests.support.events_consumer", tmp_path, consumer_url, "0.2")
    try:
        await wait_until(lambda: _applied_at_least(consumer, 4))
    finally:
        first.process.send_signal(signal.SIGKILL)  # mid-way: a handler is sleeping in its transaction
        first.process.wait()
    killed_at = await counts(consumer)
    assert killed_at.applied < EVENTS
    assert (await redis.xpending(stream, "catalog"))["pending"] > 0  # read by the dead process, not acknowledged

    second = start_module("consumer-2", "tests.support.events_consumer", tmp_path, consumer_url, "0.2")
    try:
        await wait_until(lambda: _all_acknowledged(redis, stream, consumer))
    finally:
        second.stop()
    final = await counts(consumer)
    assert await effects(consumer) == {e.id: 1 for e in events}
    assert (await counts(producer)).published == EVENTS
    assert final.applied == EVENTS and final.duplicates >= EVENTS
    with capsys.disabled():
        print(f"\ncrash test: published {EVENTS}, killed after {killed_at.applied} applied; "
              f"finally applied {final.applied}, duplicates suppressed {final.duplicates}")
    await redis.aclose()
    await close_database(consumer)
    await close_database(producer)


async def _applied_at_least(db, n: int) -> bool:
    return (await counts(db)).applied >= n


async def _all_acknowledged(redis, stream: str, db) -> bool:
    """Every message of the stream delivered to the group and acknowledged."""
    [group] = await redis.xinfo_groups(stream)
    last = (await redis.xinfo_stream(stream))["last-generated-id"]
    return group["pending"] == 0 and group["last-delivered-id"] == last and (await counts(db)).applied == EVENTS
