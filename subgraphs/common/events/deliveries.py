"""The HTTP transport's producer side, without Redis: the relay POSTs each event to every
subscribed service's /events as this service (its client-credentials token, scope
events:deliver). Each (event, consumer) delivery is a row in the producer's database, retried
with exponential backoff and `dead` after `max_attempts`; an outbox row is published once none
of its deliveries is pending. The consumer dedupes, so a redelivery changes nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from subgraphs.common.credentials import CredentialsError, ServiceToken
from subgraphs.common.db import Database, as_utc
from subgraphs.common.events.config import EventsSettings
from subgraphs.common.events.envelope import Event
from subgraphs.common.events.routing import subscribers
from subgraphs.common.events.store import EventDelivery
from subgraphs.common.settings import peer_url

log = logging.getLogger("graft.subgraph.events")

# The consumer's answers that concern this one event (its handler failed, or it refused the
# body); any other failure (unreachable, 401, 503...) is the consumer's, and postpones the
# rest of the batch to that consumer instead of trying each event against it.
EVENT_FAILURES = (400, 500)


def events_url(service: str) -> str:
    """The service's POST /events: its GraphQL URL (peer_url) with /graphql replaced."""
    base = peer_url(service)
    return (base.removesuffix("/graphql") if base.endswith("/graphql") else base.rstrip("/")) + "/events"


@dataclass(frozen=True)
class Failure:
    error: str
    consumer_down: bool
    counted: bool = True  # False: our own trouble (no token yet), not the delivery's


@dataclass(frozen=True)
class HttpPublisher:
    db: Database
    http: aiohttp.ClientSession
    token: ServiceToken | None
    settings: EventsSettings
    url: Callable[[str], str] = events_url

    async def publish(self, events: Sequence[Event]) -> Mapping[str, datetime | None]:
        await self._open(events)
        due = await self._due(events)
        changes = await asyncio.gather(*(self._deliver_to(consumer, items) for consumer, items in due.items()))
        await self._record([change for batch in changes for change in batch])
        return await self._remaining(events)

    async def _open(self, events: Sequence[Event]) -> None:
        """A pending delivery for each subscriber of each event, unless there is one already."""
        rows = [{"event_id": e.id, "consumer": c, "state": "pending", "attempts": 0,
                 "next_attempt_at": datetime.now(timezone.utc)} for e in events for c in subscribers(e.type)]
        if rows:
            insert = postgresql.insert if self.db.is_postgres else sqlite.insert
            async with self.db.session() as session, session.begin():
                await session.execute(insert(EventDelivery).values(rows).on_conflict_do_nothing())

    async def _due(self, events: Sequence[Event]) -> dict[str, list[tuple[EventDelivery, Event]]]:
        """Per consumer, its pending deliveries whose time has come, in outbox order."""
        by_id = {event.id: event for event in events}
        async with self.db.session() as session:
            rows = await session.scalars(select(EventDelivery).where(
                EventDelivery.event_id.in_(by_id), EventDelivery.state == "pending",
                EventDelivery.next_attempt_at <= datetime.now(timezone.utc)))
        due: dict[str, list[tuple[EventDelivery, Event]]] = {}
        for row in rows:
            due.setdefault(row.consumer, []).append((row, by_id[row.event_id]))
        order = {event_id: index for index, event_id in enumerate(by_id)}
        for items in due.values():
            items.sort(key=lambda item: order[item[0].event_id])
        return due

    async def _deliver_to(self, consumer: str, items: list[tuple[EventDelivery, Event]]) -> list[dict[str, Any]]:
        """One consumer's deliveries one after another (in order); the new values of each row."""
        changes: list[dict[str, Any]] = []
        for index, (row, event) in enumerate(items):
            failure = await self._post(consumer, event)
            changes.append(self._after(row, failure))
            if failure is not None and failure.consumer_down:
                later = changes[-1].get("next_attempt_at")  # the rest wait as long, not counted as tried
                changes += [{"event_id": r.event_id, "consumer": consumer, "next_attempt_at": later}
                            for r, _ in items[index + 1:] if later is not None]
                break
        return changes

    def _after(self, row: EventDelivery, failure: Failure | None) -> dict[str, Any]:
        key = {"event_id": row.event_id, "consumer": row.consumer}
        if failure is None:
            return {**key, "state": "delivered", "attempts": row.attempts + 1, "last_error": None}
        attempts = row.attempts + 1 if failure.counted else row.attempts
        if attempts >= self.settings.max_attempts:
            log.error("event %s to %s is dead after %d attempts: %s", row.event_id, row.consumer, attempts,
                      failure.error)
            return {**key, "state": "dead", "attempts": attempts, "last_error": failure.error}
        retry_at = datetime.now(timezone.utc) + timedelta(seconds=self.settings.retry_delay(max(attempts, 1)))
        return {**key, "attempts": attempts, "last_error": failure.error, "next_attempt_at": retry_at}

    async def _post(self, consumer: str, event: Event) -> Failure | None:
        try:
            token = await self.token.get() if self.token is not None else None
        except CredentialsError as exc:
            log.warning("no service token to deliver events with: %s", exc)
            return Failure(f"no service token: {exc}", consumer_down=True, counted=False)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with self.http.post(self.url(consumer), data=event.to_json(), headers=headers,
                                      timeout=aiohttp.ClientTimeout(total=self.settings.delivery_timeout)) as resp:
                status, body = resp.status, await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Failure(f"{consumer} unreachable: {type(exc).__name__}: {exc}"[:500], consumer_down=True)
        if status == 200:
            return None
        if status == 401 and token and self.token is not None:
            self.token.forget(token)
        text = body[:300].decode(errors="replace")
        return Failure(f"{consumer} answered HTTP {status}: {text}", consumer_down=status not in EVENT_FAILURES)

    async def _record(self, changes: list[dict[str, Any]]) -> None:
        if not changes:
            return
        async with self.db.session() as session, session.begin():
            for change in changes:
                values = {k: v for k, v in change.items() if k not in ("event_id", "consumer")}
                await session.execute(update(EventDelivery).where(
                    EventDelivery.event_id == change["event_id"], EventDelivery.consumer == change["consumer"],
                    EventDelivery.state == "pending").values(**values).execution_options(synchronize_session=False))

    async def _remaining(self, events: Sequence[Event]) -> dict[str, datetime | None]:
        """None for events with nothing pending; else when the earliest pending delivery is due."""
        async with self.db.session() as session:
            waiting = dict((await session.execute(
                select(EventDelivery.event_id, func.min(EventDelivery.next_attempt_at))
                .where(EventDelivery.event_id.in_([e.id for e in events]), EventDelivery.state == "pending")
                .group_by(EventDelivery.event_id))).all())
        return {e.id: as_utc(waiting[e.id]) if e.id in waiting else None for e in events}
