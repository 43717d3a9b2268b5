"""Crashes: a producer killed with events committed but not yet published, and a consumer killed
(SIGKILL) again and again while it applies events. Afterwards every event is applied exactly once
(counted: the consumer's processed events against what producers published for it) and stock and
money balance. `make faults` runs the consumer case longer (FAULT_ROUNDS)."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import func, select

from subgraphs.common.events.routing import SUBSCRIPTIONS
from subgraphs.common.events.store import OutboxEvent, ProcessedEvent
from tests.subgraphs.lifecycle.client import Marketplace, event_counts
from tests.subgraphs.lifecycle.test_paths import CANCEL, PAY, _balanced, _place, _product, _tokens
from tests.support.eventually import eventually

ROUNDS = int(os.environ.get("FAULT_ROUNDS", "3"))


async def _published_for(market: Marketplace, consumer: str) -> set[str]:
    """Ids of the events the producers published that `consumer` subscribes to."""
    ids: set[str] = set()
    for producer in ("catalog", "orders", "payments"):
        db = market.database(producer)
        try:
            async with db.session() as session:
                ids |= set(await session.scalars(select(OutboxEvent.event_id).where(
                    OutboxEvent.type.in_(SUBSCRIPTIONS[consumer]), OutboxEvent.published_at.is_not(None))))
        finally:
            await db.dispose()
    return ids


async def _applied(market: Marketplace, consumer: str) -> set[str]:
    db = market.database(consumer)
    try:
        async with db.session() as session:
            return set(await session.scalars(select(ProcessedEvent.event_id)))
    finally:
        await db.dispose()


async def _exactly_once(market: Marketplace, consumer: str) -> dict[str, int]:
    """Once every outbox is drained: every event published for `consumer` applied, none twice
    (the processed id is unique)."""
    for producer in ("catalog", "orders", "payments"):
        await eventually(lambda: _unpublished(market, producer), lambda n: n == 0, timeout=30)

    async def gap() -> tuple[set[str], set[str]]:
        return await _published_for(market, consumer), await _applied(market, consumer)
    published, applied = await eventually(gap, lambda pa: pa[0] <= pa[1], timeout=30)
    db = market.database(consumer)
    try:
        counts = await event_counts(db)
    finally:
        await db.dispose()
    return {"published_for_it": len(published), "applied": len(applied & published), "duplicates": counts["duplicates"]}


async def _unpublished(market: Marketplace, name: str) -> int:
    db = market.database(name)
    try:
        async with db.session() as session:
            return int(await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None))) or 0)
    finally:
        await db.dispose()


async def test_a_producer_killed_before_publishing_loses_nothing(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=10)
    marketplace.restart("orders", {"GRAFT_EVENTS_RELAY_INTERVAL": "3600"})  # commits, then never publishes
    try:
        orders = [await _place(marketplace, shopper, product) for _ in range(4)]
        for order in orders[:2]:
            await marketplace.data(CANCEL, {"id": order["id"]}, shopper)
        assert await _unpublished(marketplace, "orders") >= 6  # 4 placed, 2 cancelled
    finally:
        marketplace.restart("orders", {})  # SIGKILL, then a normal start: its relay finds the outbox
    await eventually(lambda: _unpublished(marketplace, "orders"), lambda n: n == 0, timeout=20)
    for order in orders[:2]:
        await marketplace.order_becomes(order["id"], shopper, "CANCELLED")
    figures = await _exactly_once(marketplace, "catalog")
    print("producer crash, catalog:", figures)
    await _balanced(marketplace)


async def test_a_consumer_killed_while_applying_applies_each_event_once(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=40)
    for _ in range(ROUNDS):
        orders = [await _place(marketplace, shopper, product) for _ in range(6)]
        for order in orders[:3]:
            await marketplace.data(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper)
        work = asyncio.gather(*(marketplace.graphql(CANCEL, {"id": o["id"]}, shopper) for o in orders))
        await asyncio.sleep(0.05)
        marketplace.restart("catalog")  # SIGKILL in the middle of applying the cancellations
        await work
        for order in orders:
            await eventually(lambda: marketplace.order(order["id"], shopper),
                             lambda o: o["status"] in ("CANCELLED", "REFUNDED"), timeout=20)
    figures = {name: await _exactly_once(marketplace, name) for name in ("catalog", "orders", "payments")}
    print("consumer crashes:", figures)
    await _balanced(marketplace)
