"""What a service declares about events: the handlers it consumes them with and its background
jobs. subgraphs.common.app runs the relay for its outbox, its consumer and its jobs from this."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from subgraphs.common.events.envelope import Event
from subgraphs.common.jobs import Job

# A handler applies one event, making its change inside `applying(db, event)` (which records the
# event as processed in the same transaction) and raising AlreadyApplied for a duplicate.
Handler = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class ServiceEvents:
    """`handlers(app)` gives the handler for each event type this service consumes (built once
    the app's resources exist); `jobs` are its periodic background jobs."""

    handlers: Callable[[web.Application], Mapping[str, Handler]] = lambda app: {}
    jobs: tuple[Job, ...] = field(default=())
