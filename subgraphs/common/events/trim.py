"""Keeping the Redis event stream bounded: entries every consuming service's group has read and
acknowledged, and older than the retention, are trimmed (XTRIM MINID). Nothing a group has yet
to read or acknowledge is ever dropped, and nothing at all while a consuming service's group does
not exist yet (that service has not started: it will read the stream from its first entry)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import ResponseError

from subgraphs.common.events.config import EventsSettings
from subgraphs.common.events.routing import SUBSCRIPTIONS
from subgraphs.common.jobs import Job

log = logging.getLogger("graft.subgraph.events")
TRIM_INTERVAL = 60.0


def _id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    millis, _, sequence = text.partition("-")
    return int(millis), int(sequence or 0)


async def _group_floor(redis: aioredis.Redis, stream: str, group: dict) -> tuple[int, int]:
    """The first entry `group` still needs: its oldest pending one, else the one after what it read."""
    name = group["name"]
    summary = await redis.xpending(stream, name)
    if summary["pending"]:
        return _id(summary["min"])
    millis, sequence = _id(group["last-delivered-id"])
    return millis, sequence + 1


async def safe_floor(redis: aioredis.Redis, stream: str, consumers: Iterable[str]) -> tuple[int, int] | None:
    """The lowest entry id any consuming service may still need; None when one has no group yet."""
    try:
        groups = {(g["name"].decode() if isinstance(g["name"], bytes) else g["name"]): g
                  for g in await redis.xinfo_groups(stream)}
    except ResponseError:  # no stream yet
        return None
    wanted = sorted(consumers)
    if not wanted or any(name not in groups for name in wanted):
        return None
    return min([await _group_floor(redis, stream, groups[name]) for name in wanted])


async def trim(redis: aioredis.Redis, stream: str, consumers: Iterable[str], retention: float) -> int:
    """Entries removed: those below both every group's floor and now − `retention` seconds."""
    floor = await safe_floor(redis, stream, consumers)
    if floor is None:
        return 0
    cutoff = (int((time.time() - retention) * 1000), 0)
    minid = min(floor, cutoff)
    removed = int(await redis.xtrim(stream, minid=f"{minid[0]}-{minid[1]}", approximate=False))
    if removed:
        log.info("events: trimmed %d entries below %d-%d from %s", removed, minid[0], minid[1], stream)
    return removed


def trim_job(redis: aioredis.Redis, settings: EventsSettings, interval: float = TRIM_INTERVAL) -> Job:
    """Run by every service on the Redis transport: XTRIM MINID is idempotent, so replicas may race."""
    async def run(_app: web.Application) -> int:
        await trim(redis, settings.stream, SUBSCRIPTIONS, settings.retention)
        return 0

    return Job("events-stream-trim", interval, run)
