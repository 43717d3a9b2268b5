"""What moves one service's events, started and stopped with its app: the relay of its outbox
(a job) over the transport the settings choose, its Redis stream consumer when it has handlers,
and the handlers its POST /events applies (HTTP transport)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web

from subgraphs.common.credentials import ServiceToken
from subgraphs.common.db import Database
from subgraphs.common.events.config import EventsSettings
from subgraphs.common.events.deliveries import HttpPublisher
from subgraphs.common.events.endpoint import receive
from subgraphs.common.events.lag import backlog_job, lagged
from subgraphs.common.events.relay import Publisher, Relay
from subgraphs.common.events.service import Handler
from subgraphs.common.events.streams import StreamConsumer, StreamPublisher, consumer_client
from subgraphs.common.events.trim import trim_job
from subgraphs.common.identity import IdentityVerifier
from subgraphs.common.jobs import start_jobs, stop_jobs
from subgraphs.common.settings import ServiceSettings

log = logging.getLogger("graft.subgraph.events")
EVENTS = web.AppKey["EventsRuntime"]("events")


@dataclass
class EventsRuntime:
    """Kept in the app under EVENTS."""

    service: str
    handlers: Mapping[str, Handler]
    verifier: IdentityVerifier
    settings: EventsSettings
    relay: list[asyncio.Task[None]] = field(default_factory=list)
    consumer: tuple[StreamConsumer, asyncio.Task[None]] | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @classmethod
    async def start(cls, app: web.Application, service: ServiceSettings, db: Database,
                    handlers: Mapping[str, Handler], verifier: IdentityVerifier, http: aiohttp.ClientSession,
                    redis: aioredis.Redis | None, token: ServiceToken | None) -> EventsRuntime:
        """With background jobs off (GRAFT_JOBS=0) only POST /events works: no relay, no consumer."""
        settings = EventsSettings.from_env(service.redis_url)
        handlers = lagged(service.name, handlers)
        runtime = app[EVENTS] = cls(service.name, handlers, verifier, settings)
        if not service.jobs:
            return runtime
        publisher: Publisher = HttpPublisher(db, http, token, settings)
        jobs = [backlog_job(db, service.name)]
        if settings.transport == "redis":
            assert redis is not None and service.redis_url  # transport_for demands REDIS_URL
            publisher = StreamPublisher(redis, settings.stream)
            jobs.append(trim_job(redis, settings))
            if handlers:
                runtime.start_consumer(service.redis_url)
        relay = Relay(db, publisher, settings.relay_batch, settings.lease)
        runtime.relay = start_jobs(app, [relay.job(settings.relay_interval), *jobs])
        log.info("%s events: relay over %s%s", service.name, settings.transport,
                 f", consuming {', '.join(sorted(handlers))}" if handlers else "")
        return runtime

    def start_consumer(self, redis_url: str) -> None:
        client = consumer_client(redis_url, self.settings)
        consumer = StreamConsumer(client, self.service, self.handlers, self.settings)
        self.consumer = consumer, asyncio.get_running_loop().create_task(consumer.run(), name="events-consumer")
        self.closers.append(client.aclose)

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer[0].stop(self.consumer[1])
        await stop_jobs(self.relay)
        for close in self.closers:
            await close()


async def receive_events(request: web.Request) -> web.Response:
    """POST /events, on every app that declares events."""
    runtime = request.app[EVENTS]
    return await receive(request, runtime.verifier, runtime.handlers)
