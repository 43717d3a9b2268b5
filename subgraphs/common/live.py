"""Live notices for subscriptions: "order 42 changed", sent after the change committed, to every
subscriber of this service in any replica (Redis pub/sub with REDIS_URL, in process otherwise).

A notice names a topic and what changed under it (`buyer:7` → `42`, the order); a subscriber reads the current row itself, so a notice lost or
repeated never shows a wrong state, and what subscribers see is always committed."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

import orjson
import redis.asyncio as aioredis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

T = TypeVar("T")
Notice = tuple[str, str]  # (topic, detail)

log = logging.getLogger("graft.live")
QUEUE_SIZE = 64  # notices a slow subscriber may lag behind; older ones are dropped (it rereads anyway)
_PENDING = "graft_live_notices"  # session.info: topics announced once the transaction commits


class Broadcast:
    """One per service process: local subscribers by topic, fed by Redis (several replicas) or
    directly (one process)."""

    def __init__(self, channel: str, redis_url: str | None = None) -> None:
        self.channel = channel
        self.redis_url = redis_url
        self._queues: defaultdict[str, set[asyncio.Queue[str]]] = defaultdict(set)  # topic → subscribers
        self._redis: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        if self.redis_url is None:
            return
        # a client of its own: the app's has a socket timeout a blocking pub/sub read would outlast
        self._redis = aioredis.from_url(self.redis_url, socket_connect_timeout=2)
        self._reader = asyncio.create_task(self._read(), name=f"live {self.channel}")
        with suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._subscribed.wait()

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._redis is not None:
            await self._redis.aclose()

    async def _read(self) -> None:
        """Redis → local subscribers; reconnects after a failure, a second apart."""
        assert self._redis is not None
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._deliver([(topic, detail) for topic, detail in orjson.loads(message["data"])])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarting: subscribers wait, notices meanwhile are lost
                log.warning("live notices from %s interrupted: %s", self.channel, exc)
                await asyncio.sleep(1)

    def announce(self, notices: Iterable[Notice]) -> None:
        """After a commit: to Redis, whose echo reaches this process's subscribers too, or directly."""
        sent = sorted(set(notices))
        if not sent:
            return
        if self._redis is None:
            self._deliver(sent)
            return
        task = asyncio.get_running_loop().create_task(self._publish(sent))
        task.add_done_callback(_logged)

    async def _publish(self, notices: list[Notice]) -> None:
        assert self._redis is not None
        await self._redis.publish(self.channel, orjson.dumps(notices))

    def _deliver(self, notices: list[Notice]) -> None:
        for topic, detail in notices:
            for queue in self._queues.get(topic, ()):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(detail)

    @asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[asyncio.Queue[str]]:
        """A queue of notices for `topic`, registered before the caller reads the current state,
        so no change between that read and the first notice is missed."""
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._queues[topic].add(queue)
        try:
            yield queue
        finally:
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]


def live_channel(service: str) -> str:
    """Beside the service's event stream (GRAFT_EVENTS_STREAM), so stacks sharing a Redis keep apart."""
    return f"{os.environ.get('GRAFT_EVENTS_STREAM', 'graft:events')}:live:{service}"


def _logged(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("live notice not published: %s", task.exception())


def changed(session: AsyncSession, topic: str, detail: str = "") -> None:
    """Announce `topic` (with `detail`, what changed) once the session's transaction commits;
    nothing on a rollback."""
    session.info.setdefault(_PENDING, set()).add((topic, detail))


async def follow(broadcast: Broadcast, topic: str, read: Callable[[str], Awaitable[T | None]],
                 first: str | None = "") -> AsyncIterator[T]:
    """What `read(detail)` gives now (unless `first` is None) and after each notice on `topic`;
    ends when it gives None (the thing is gone)."""
    async with broadcast.listen(topic) as notices:
        detail = first
        while True:
            if detail is not None:
                current = await read(detail)
                if current is None:
                    return
                yield current
            detail = await notices.get()


def attach(session_class: type[Session], broadcast: Broadcast) -> None:
    """Every commit of a session of `session_class` (one Database's) announces what it changed
    through `broadcast`; a rollback forgets it."""
    def committed(session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if pending:
            broadcast.announce(pending)

    def rolled_back(session: Session) -> None:
        session.info.pop(_PENDING, None)

    event.listen(session_class, "after_commit", committed)
    event.listen(session_class, "after_rollback", rolled_back)
