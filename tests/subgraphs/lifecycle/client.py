"""The marketplace as a client and an auditor see it: GraphQL through the router with tokens got
from its OAuth endpoint, and the services' own databases read for the balance checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from subgraphs.catalog.models import Base as CatalogBase
from subgraphs.catalog.models import Product, Reservation, ReservationLine
from subgraphs.common import seeddata
from subgraphs.common.db import Database
from subgraphs.common.events import EventsBase
from subgraphs.common.events.store import OutboxEvent, ProcessedEvent
from subgraphs.orders.models import Base as OrdersBase
from subgraphs.orders.models import Order
from subgraphs.payments.models import Base as PaymentsBase
from subgraphs.payments.models import Payment, Refund
from tests.support.eventually import eventually
from tests.support.processes import RunningService, start_graft

HOLDING_MONEY = ("PAID", "FULFILLED", "SHIPPED", "DELIVERED", "PARTIALLY_REFUNDED")
SETTLED = ("PENDING_PAYMENT",)  # an order's state no event will move without a client


@dataclass
class Marketplace:
    router: RunningService
    subgraphs: dict[str, RunningService]
    base: Path
    env: dict[str, str]
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    created_stock: dict[int, int] = field(default_factory=dict)  # products the tests made, as made

    async def graphql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as http:
            async with http.post(self.router.graphql_url, json={"query": query, "variables": variables or {}},
                                 headers=headers) as resp:
                return await resp.json(content_type=None)

    async def data(self, query: str, variables: dict | None = None, token: str | None = None) -> dict[str, Any]:
        body = await self.graphql(query, variables, token)
        assert "errors" not in body, body
        return body["data"]

    async def sign_in(self, email: str = "ada@example.com", password: str = "lovelace-1815") -> str:
        return await self._token({"grant_type": "password", "username": email, "password": password,
                                  "client_id": "storefront"})

    async def client_token(self, client_id: str, secret: str) -> str:
        return await self._token({"grant_type": "client_credentials", "client_id": client_id,
                                  "client_secret": secret})

    async def _token(self, form: dict[str, str]) -> str:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{self.router.url}/oauth/token", data=form) as resp:
                body = await resp.json()
                assert resp.status == 200, body
                return body["access_token"]

    async def stock(self, product_id: int, admin: str) -> int:
        data = await self.data('query($id: ID) { product(id: $id) { stock } }', {"id": str(product_id)}, admin)
        return data["product"]["stock"]

    async def order(self, order_id: str, token: str) -> dict[str, Any]:
        query = """query($id: ID!) { order(id: $id) { id status cancellationReason refunded { amount } total { amount }
                   paymentStatus payments { id status provider refunds { amount { amount } } } } }"""
        return (await self.data(query, {"id": order_id}, token))["order"]

    async def order_becomes(self, order_id: str, token: str, status: str, timeout: float = 15.0) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            return await self.order(order_id, token)
        return await eventually(read, lambda order: order["status"] == status, timeout)

    def restart(self, name: str, env: dict[str, str] | None = None, kill: bool = True) -> None:
        """SIGKILL (or stop) one service and start it again on its port, with `env` on top of its own."""
        old = self.subgraphs[name]
        if kill:
            old.process.kill()
            old.process.wait()
        else:
            old.stop()
        base_env = {k: v for k, v in old.env.items() if k not in self.overrides.get(name, {})}
        self.overrides[name] = env or {}
        self.subgraphs[name] = start_graft(name, ["subgraph", name], {**base_env, **(env or {})}, self.base, old.port)

    def database(self, name: str) -> Database:
        metadata = {"catalog": CatalogBase, "orders": OrdersBase, "payments": PaymentsBase}[name].metadata
        url = self.env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{self.base / f'{name}.db'}"
        return Database(url, (metadata, EventsBase.metadata), schema=self.env.get("GRAFT_DB_SCHEMA_PREFIX", "") + name)


async def balances(market: Marketplace) -> dict[str, Any]:
    """Stock taken against what reservations hold, and money captured less refunded against what
    the orders say they hold, over everything placed since the seed."""
    catalog, orders, payments = (market.database(n) for n in ("catalog", "orders", "payments"))
    try:
        seeded = {p.id: p.stock for p in seeddata.products()} | market.created_stock
        async with catalog.session() as session:
            stock = dict((await session.execute(select(Product.id, Product.stock))).all())
            held = dict((await session.execute(
                select(ReservationLine.product_id, func.sum(ReservationLine.quantity))
                .join(Reservation, Reservation.id == ReservationLine.reservation_id)
                .where(Reservation.released.is_(False)).group_by(ReservationLine.product_id))).all())
        taken = {pid: seeded[pid] - stock[pid] for pid in seeded if seeded[pid] != stock.get(pid, seeded[pid])}
        async with orders.session() as session:
            placed = list(await session.scalars(select(Order).where(Order.reservation_id.is_not(None))))
        owed = sum(o.total - o.refunded for o in placed if o.status in HOLDING_MONEY)
        ids = [o.id for o in placed]
        async with payments.session() as session:
            rows = list(await session.scalars(select(Payment).where(Payment.order_id.in_(ids))))
            refunded = sum(r.amount for r in await session.scalars(
                select(Refund).where(Refund.payment_id.in_([p.id for p in rows]))))
        captured = sum(p.amount for p in rows if p.status in ("SUCCEEDED", "PARTIALLY_REFUNDED", "REFUNDED", "DISPUTED"))
        return {"taken": taken, "held": {pid: int(q) for pid, q in held.items() if q}, "captured": captured,
                "refunded": refunded, "owed": owed,
                "unsettled": [o.id for o in placed if o.status == "CANCELLED" and o.payment_id is not None]}
    finally:
        for db in (catalog, orders, payments):
            await db.dispose()


async def event_counts(db: Database) -> dict[str, int]:
    """Published from this service's outbox; applied here; deliveries suppressed as duplicates."""
    async with db.session() as session:
        published = await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_not(None)))
        pending = await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None)))
        applied = await session.scalar(select(func.count()).select_from(ProcessedEvent))
        duplicates = await session.scalar(select(func.coalesce(func.sum(ProcessedEvent.duplicates), 0)))
    return {"published": int(published or 0), "unpublished": int(pending or 0), "applied": int(applied or 0),
            "duplicates": int(duplicates or 0)}
