"""How far behind events run, for operators: each applied event's lag (now − occurred_at, so
relay, transport, retries and the handler all count) and, per producer, the outbox's backlog,
its oldest unsent event and its dead HTTP deliveries (sampled by a job, not at scrape time,
because scraping is synchronous and the database is not)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy import func, select

from subgraphs.common import metrics
from subgraphs.common.db import Database, as_utc
from subgraphs.common.events.envelope import Event
from subgraphs.common.events.service import Handler
from subgraphs.common.events.store import EventDelivery, OutboxEvent
from subgraphs.common.jobs import Job

BACKLOG_INTERVAL = 5.0  # seconds between outbox samples: two indexed counts per producer


def lagged(service: str, handlers: Mapping[str, Handler]) -> dict[str, Handler]:
    """`handlers`, each observing its event's lag once it applied it (a duplicate, which raises
    AlreadyApplied, or a failure, which is delivered again, is not observed)."""
    return {event_type: _observed(service, event_type, handler) for event_type, handler in handlers.items()}


def _observed(service: str, event_type: str, handler: Handler) -> Handler:
    lag = metrics.EVENT_LAG.labels(service, event_type)

    async def observed(event: Event) -> None:
        await handler(event)
        lag.observe(max(0.0, time.time() - event.occurred_at.timestamp()))

    return observed


async def sample_outbox(db: Database, service: str) -> None:
    """Set the producer's backlog gauges from its outbox and its deliveries."""
    async with db.session() as session:
        count, oldest = (await session.execute(
            select(func.count(), func.min(OutboxEvent.occurred_at)).where(OutboxEvent.published_at.is_(None)))).one()
        dead = await session.scalar(select(func.count()).select_from(EventDelivery)
                                    .where(EventDelivery.state == "dead"))
    age = (datetime.now(timezone.utc) - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
    metrics.OUTBOX_BACKLOG.labels(service).set(count)
    metrics.OUTBOX_OLDEST.labels(service).set(max(0.0, age))
    metrics.DEAD_DELIVERIES.labels(service).set(dead or 0)


def backlog_job(db: Database, service: str, interval: float = BACKLOG_INTERVAL) -> Job:
    async def run(_app: web.Application) -> int:
        await sample_outbox(db, service)
        return 0

    return Job(f"{service}-outbox-gauges", interval, run)
