"""The Redis stream is trimmed only below what every consuming service has read and acknowledged
(and the retention): a lagging group, a pending message or a group not yet created keeps it."""

from __future__ import annotations

from subgraphs.common.events.trim import trim

CONSUMERS = ("catalog", "orders")


async def _stream(redis, stream: str, entries: int) -> list[bytes]:
    for group in CONSUMERS:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    return [await redis.xadd(stream, {"event": f"e{i}"}) for i in range(entries)]


async def _read(redis, stream: str, group: str, count: int, ack: bool = True) -> None:
    reply = await redis.xreadgroup(group, f"{group}-1", {stream: ">"}, count=count)
    ids = [entry_id for _, entries in reply for entry_id, _ in entries]
    if ack and ids:
        await redis.xack(stream, group, *ids)


async def test_only_what_every_group_acknowledged_is_trimmed(redis, stream_settings):
    stream = stream_settings.stream
    ids = await _stream(redis, stream, 10)
    await _read(redis, stream, "catalog", 10)
    await _read(redis, stream, "orders", 4)  # orders lags: entries 4.. are still its to read
    assert await trim(redis, stream, CONSUMERS, retention=0) == 4
    assert [entry_id for entry_id, _ in await redis.xrange(stream)] == ids[4:]

    await _read(redis, stream, "orders", 3, ack=False)  # read, not acknowledged: still needed
    assert await trim(redis, stream, CONSUMERS, retention=0) == 0
    await _read(redis, stream, "orders", 3)
    assert await trim(redis, stream, CONSUMERS, retention=0) == 0  # the pending three hold it
    pending = await redis.xpending_range(stream, "orders", min="-", max="+", count=10)
    await redis.xack(stream, "orders", *[p["message_id"] for p in pending])
    assert await trim(redis, stream, CONSUMERS, retention=0) == 6
    assert [entry_id for entry_id, _ in await redis.xrange(stream)] == ids[10:]


async def test_nothing_is_trimmed_within_the_retention_or_before_every_group_exists(redis, stream_settings):
    stream = stream_settings.stream
    await _stream(redis, stream, 5)
    for group in CONSUMERS:
        await _read(redis, stream, group, 5)
    assert await trim(redis, stream, CONSUMERS, retention=3600) == 0  # all read, but all recent
    assert await trim(redis, stream, (*CONSUMERS, "payments"), retention=0) == 0  # payments never started
    assert await redis.xlen(stream) == 5
    assert await trim(redis, f"{stream}:missing", CONSUMERS, retention=0) == 0  # no stream at all
