"""What a service declares about events: the handlers it consumes them with and its background
jobs. subgraphs.common.app runs the relay for its outbox, its consumer and its jobs from this."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from subgraphs.common.events.envelope import Event
from subgraphs.common.events.store import AlreadyApplied
from subgraphs.common.jobs import Job

# A handler applies one event, making its change inside `applying(db, event)` (which records the
# event as processed in the same transaction) and raising AlreadyApplied for a duplicate.
Handler = Callable[[Event], Awaitable[None]]
Outcome = Literal["applied", "duplicate", "ignored"]

EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class ServiceEvents:
    """`handlers(app)` gives the handler for each event type this service consumes (built once
    the app's resources exist); `jobs` are its periodic background jobs."""

    handlers: Callable[[web.Application], Mapping[str, Handler]] = lambda app: {}
    jobs: tuple[Job, ...] = field(default=())


async def apply(handlers: Mapping[str, Handler], event: Event) -> Outcome:
    """Run the event's handler, whichever transport brought it. A handler's own failure
    propagates: the event is not acknowledged, and the transport delivers it again."""
    handler = handlers.get(event.type)
    if handler is None:
        return "ignored"
    try:
        await handler(event)
    except AlreadyApplied:
        return "duplicate"
    return "applied"


def received(raw: bytes | str) -> Event:
    """An envelope from a transport, checked to fit what processed_events records of it;
    ValueError for anything else (the message never repeats the input)."""
    event = Event.from_json(raw)
    if not EVENT_ID.fullmatch(event.id) or not 0 < len(event.type) <= 64 or not 0 < len(event.source) <= 20:
        raise ValueError("event id, type or source out of shape")
    return event
