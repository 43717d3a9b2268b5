"""The outbox relay: a periodic job in every producing service that claims unpublished outbox
rows in order, hands them to the transport and marks them published. Several replicas may run
it: a claimed row carries a lease (`claimed_until`) the others respect. A crash after the
transport took an event and before it was marked means it goes out again; consumers dedupe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_, select, update

from subgraphs.common.db import Database, rows_matched
from subgraphs.common.events.envelope import Event
from subgraphs.common.events.store import OutboxEvent
from subgraphs.common.jobs import Job


class Publisher(Protocol):
    async def publish(self, events: Sequence[Event]) -> Mapping[str, datetime | None]:
        """Carry `events` (in outbox order) to their consumers. For each event id: None once it is
        published, or when to offer it again (HTTP deliveries waiting to be retried)."""
        ...


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _free(now: datetime) -> ColumnElement[bool]:
    """Unpublished, and no relay holds it (or its lease ran out)."""
    return and_(OutboxEvent.published_at.is_(None),
                or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until <= now))


async def claim(db: Database, limit: int, lease: float) -> list[OutboxEvent]:
    """Up to `limit` of the oldest free rows, leased for `lease` seconds to the caller."""
    now = _now()
    until = now + timedelta(seconds=lease)
    if db.is_postgres:
        return await _claim_locked(db, limit, now, until)
    return await _claim_conditional(db, limit, now, until)


async def _claim_locked(db: Database, limit: int, now: datetime, until: datetime) -> list[OutboxEvent]:
    """PostgreSQL: rows another replica is claiming right now are skipped, not waited for."""
    async with db.session() as session, session.begin():
        rows = list(await session.scalars(select(OutboxEvent).where(_free(now)).order_by(OutboxEvent.position)
                                          .limit(limit).with_for_update(skip_locked=True)))
        for row in rows:
            row.claimed_until = until
            row.attempts += 1
    return rows


async def _claim_conditional(db: Database, limit: int, now: datetime, until: datetime) -> list[OutboxEvent]:
    """SQLite (one writer at a time): a row is ours when the UPDATE that leases it, still
    requiring it free, matched it. The write transaction starts with that UPDATE, so a read
    snapshot taken before another replica's write is never upgraded."""
    async with db.session() as session:
        candidates = list(await session.scalars(select(OutboxEvent.position).where(_free(now))
                                                .order_by(OutboxEvent.position).limit(limit)))
    if not candidates:
        return []
    async with db.session() as session, session.begin():
        won = []
        for position in candidates:
            lease = (update(OutboxEvent).where(OutboxEvent.position == position, _free(now))
                     .values(claimed_until=until, attempts=OutboxEvent.attempts + 1)
                     .execution_options(synchronize_session=False))
            if await rows_matched(session, lease):
                won.append(position)
        rows = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.position.in_(won))
                                          .order_by(OutboxEvent.position)))
    return rows


async def settle(db: Database, outcome: Mapping[str, datetime | None]) -> None:
    """Mark the published events; the others keep their row, offered again at the time given."""
    now = _now()
    done = [event_id for event_id, again in outcome.items() if again is None]
    async with db.session() as session, session.begin():
        if done:
            await session.execute(update(OutboxEvent).where(OutboxEvent.event_id.in_(done))
                                  .values(published_at=now, claimed_until=None)
                                  .execution_options(synchronize_session=False))
        for event_id, again in outcome.items():
            if again is not None:
                await session.execute(update(OutboxEvent).where(OutboxEvent.event_id == event_id)
                                      .values(claimed_until=again).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Relay:
    """One service's relay: its outbox (`db`) to its transport (`publisher`)."""

    db: Database
    publisher: Publisher
    batch: int = 100
    lease: float = 30.0
    retry: float = 2.0  # after the transport failed a round

    async def run_once(self) -> int:
        """One round; how many rows it claimed (a full batch: there may be more)."""
        rows = await claim(self.db, self.batch, self.lease)
        if not rows:
            return 0
        events = [row.event() for row in rows]
        try:
            outcome = await self.publisher.publish(events)
        except Exception:  # the transport is down: offered again soon, not only once the lease ends
            again = _now() + timedelta(seconds=min(self.retry, self.lease))
            await settle(self.db, {event.id: again for event in events})
            raise
        await settle(self.db, outcome)
        return len(rows)

    def job(self, interval: float) -> Job:
        async def run(_app: object) -> int:
            return await self.run_once()

        return Job("events-relay", interval, run, batch=self.batch)
