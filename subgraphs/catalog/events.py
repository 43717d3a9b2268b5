"""What the catalog does on the orders' events: a paid order's stock is committed; a cancelled or
expired order's, or an abandoned reservation's, goes back on the shelf. And the sweeper that
releases reservations held past their time (an order that never came, a stalled placeOrder)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from subgraphs.catalog import inventory
from subgraphs.catalog.cache import PRODUCT_CACHE
from subgraphs.common.app import DATABASE
from subgraphs.common.db import Database
from subgraphs.common.events import Event, applying
from subgraphs.common.events.envelope import OrderCancelled, OrderPaid, ReservationAbandoned
from subgraphs.common.events.service import Handler
from subgraphs.common.jobs import Job

log = logging.getLogger("graft.catalog.events")
EXPIRY_BATCH = 100


def handlers(app: web.Application) -> Mapping[str, Handler]:
    db = app[DATABASE]

    def changing(apply: Callable[[Event], Awaitable[list[int]]]) -> Handler:
        async def handle(event: Event) -> None:
            await _changed(app, await apply(event))
        return handle

    async def paid(event: Event) -> list[int]:
        order = event.data()
        assert isinstance(order, OrderPaid)
        async with applying(db, event) as session:
            if order.reservation_id is None:  # an order from before reservations (seeded)
                return []
            return await inventory.commit_in(session, order.reservation_id, order.order_id)

    async def closed(event: Event) -> list[int]:
        order = event.data()
        assert isinstance(order, OrderCancelled)
        reason: inventory.ReleaseReason = "expired" if order.reason == "expired" else "cancelled"
        return await _release(db, event, order.reservation_id, reason)

    async def abandoned(event: Event) -> list[int]:
        gone = event.data()
        assert isinstance(gone, ReservationAbandoned)
        return await _release(db, event, gone.reservation_id, "abandoned")

    return {"order.paid": changing(paid), "order.cancelled": changing(closed), "order.expired": changing(closed),
            "reservation.abandoned": changing(abandoned)}


async def _release(db: Database, event: Event, reservation_id: str | None,
                   reason: inventory.ReleaseReason) -> list[int]:
    async with applying(db, event) as session:
        return [] if reservation_id is None else await inventory.release_in(session, reservation_id, reason)


async def _changed(app: web.Application, product_ids: list[int]) -> None:
    """After the commit: cached rows and the routers' cached entities of these are stale."""
    cache = app.get(PRODUCT_CACHE)
    if cache is not None:
        await cache.invalidate_ids(app[DATABASE], product_ids)


async def expire_reservations(app: web.Application) -> int:
    """Releases held reservations past their time, each in its own transaction; a replica that
    races us for one finds it released and skips it."""
    db = app[DATABASE]
    due = await inventory.expired(db, EXPIRY_BATCH)
    for reservation_id in due:
        changed = await inventory.release(db, reservation_id, "expired")
        if changed:
            log.info("reservation %s expired; its stock is back", reservation_id)
            await _changed(app, changed)
    return len(due)


def expiry_job(interval: float) -> Job:
    return Job("expire-reservations", interval, expire_reservations, batch=EXPIRY_BATCH)
