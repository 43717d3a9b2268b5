"""Each subgraph's migration history on real SQLite files and real PostgreSQL schemas: from empty
to exactly the models' schema, from the previous revision with rows kept, one step down, adopting
a database made before migrations, and the start-time check."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from subgraphs.common import migrations
from subgraphs.common.db import Database
from subgraphs.common.migrations import DatabaseSetupError
from subgraphs.common.settings import ServiceSettings
from tests.support.services import unique_schema_prefix

NAMES = ("catalog", "orders", "users", "payments")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def database(name: str, url: str, schema: str = "") -> Database:
    """The service's own Database (its tables and the events tables), as the service makes it."""
    settings = ServiceSettings(name=name, port=0, database_url=url, database_schema=schema + name)
    return importlib.import_module(f"subgraphs.{name}.service").database(settings)


@pytest.fixture(params=BACKENDS)
async def place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """(url with {name} for SQLite, schema prefix): an empty database per service."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/{{name}}.db", ""
        return
    url = request.getfixturevalue("postgres_url")
    prefix = unique_schema_prefix()
    yield url, prefix
    db = Database(url, ())
    async with db.engine.begin() as conn:
        for name in NAMES:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{prefix}{name}" CASCADE'))
    await db.dispose()


def open_db(place: tuple[str, str], name: str) -> Database:
    url, prefix = place
    return database(name, url.format(name=name), prefix)


async def differences(db: Database) -> list:
    async with db.engine.connect() as conn:
        return await conn.run_sync(migrations.schema_differences, db.metadata)


async def rows(db: Database, sql: str) -> list[tuple]:
    async with db.engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(text(sql))).all()]


async def execute(db: Database, *statements: str, **params: object) -> None:
    async with db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement), params)


@pytest.mark.parametrize("name", NAMES)
async def test_upgrade_from_empty_is_the_models_schema_and_one_step_down_and_back(place, name):
    db = open_db(place, name)
    try:
        done = await migrations.migrate(db, name)
        assert (done.before, done.after) == (None, migrations.head(name))
        assert await differences(db) == []
        assert await migrations.check(db, name) == migrations.head(name)
        down = await migrations.migrate(db, name, "-1")
        assert down.before == migrations.head(name) and down.after != down.before
        assert await differences(db) != []  # one step down is another schema
        with pytest.raises(DatabaseSetupError, match=f"run `graft migrate {name}`"):
            await migrations.check(db, name)
        assert (await migrations.migrate(db, name)).after == migrations.head(name)
        assert await differences(db) == []
    finally:
        await db.dispose()


async def test_orders_upgrade_from_the_previous_revision_keeps_orders_and_renames_placed(place):
    db = open_db(place, "orders")
    try:
        assert (await migrations.migrate(db, "orders", "0001")).after == "0001"
        for number, status in ((1, "PLACED"), (2, "SHIPPED")):
            await execute(db, "INSERT INTO orders (id, number, buyer_id, status, subtotal, shipping, currency, "
                              "created_at) VALUES (:id, :number, 7, :status, 1000, 250, 'USD', :created)",
                          id=number, number=f"GR-{number}", status=status, created=CREATED)
        await execute(db, "INSERT INTO order_items (id, order_id, product_id, sku, quantity, unit_price) "
                          "VALUES (1, 1, 5, 'SKU-5', 2, 500)")
        assert (await migrations.migrate(db, "orders")).after == "0002"
        assert await rows(db, "SELECT id, status, refunded, expires_at, paid_at FROM orders ORDER BY id") == [
            (1, "PENDING_PAYMENT", 0, None, None), (2, "SHIPPED", 0, None, None)]
        assert await rows(db, "SELECT order_id, sku, quantity FROM order_items") == [(1, "SKU-5", 2)]
        assert await rows(db, "SELECT count(*) FROM outbox_events") == [(0,)]
        await execute(db, "UPDATE orders SET status = 'FULFILLED' WHERE id = 2")
        assert (await migrations.migrate(db, "orders", "-1")).after == "0001"
        assert await rows(db, "SELECT id, status FROM orders ORDER BY id") == [(1, "PLACED"), (2, "PAID")]
    finally:
        await db.dispose()


async def test_payments_upgrade_from_the_previous_revision_settles_old_refunds(place):
    db = open_db(place, "payments")
    try:
        await migrations.migrate(db, "payments", "0001")
        await execute(db, "INSERT INTO payments (id, order_id, buyer_id, amount, currency, status, refunded, "
                          "provider, provider_ref, live_order_id, created_at) VALUES (3, 9, 7, 1250, 'USD', "
                          "'PARTIALLY_REFUNDED', 500, 'offline', 'pi_3', 9, :created)", created=CREATED)
        await execute(db, "INSERT INTO refunds (id, payment_id, amount, created_at) VALUES (1, 3, 500, :created)",
                      created=CREATED)
        await migrations.migrate(db, "payments")
        assert await rows(db, "SELECT refunded, refunded_settled, updated_at = created_at FROM payments") == [
            (500, 500, True)]
        assert await rows(db, "SELECT status, source, attempts FROM refunds") == [("succeeded", "graft", 0)]
        assert await differences(db) == []
    finally:
        await db.dispose()


async def test_catalog_upgrade_keeps_reservations_held_without_expiry(place):
    db = open_db(place, "catalog")
    try:
        await migrations.migrate(db, "catalog", "0001")
        await execute(db, "INSERT INTO reservations (id, released, created_at) VALUES ('r-1', false, :created)",
                      created=CREATED)
        await migrations.migrate(db, "catalog")
        assert await rows(db, "SELECT id, released, expires_at, release_reason FROM reservations") == [
            ("r-1", False, None, None)]
    finally:
        await db.dispose()


@pytest.mark.parametrize("name", ["orders", "users"])
async def test_a_database_made_before_migrations_is_adopted(place, name):
    """create_all's tables (what a .data of the day before looks like) get head and keep their rows."""
    db = open_db(place, name)
    try:
        if db.is_postgres:
            await execute(db, f'CREATE SCHEMA "{db.schema}"')
        await db.create_all()
        done = await migrations.migrate(db, name)
        assert done.adopted and (done.before, done.after) == (migrations.head(name), migrations.head(name))
        assert await differences(db) == []
    finally:
        await db.dispose()


async def test_an_orders_database_from_before_the_lifecycle_is_adopted_then_upgraded(place):
    db = open_db(place, "orders")
    try:
        await migrations.migrate(db, "orders", "0001")
        await execute(db, "DROP TABLE alembic_version")  # as create_all left it: tables, no version
        await execute(db, "INSERT INTO orders (id, number, buyer_id, status, subtotal, shipping, currency, "
                          "created_at) VALUES (1, 'GR-1', 7, 'PLACED', 1000, 250, 'USD', :created)", created=CREATED)
        done = await migrations.migrate(db, "orders")
        assert done.adopted and (done.before, done.after) == ("0001", "0002")
        assert await rows(db, "SELECT status FROM orders") == [("PENDING_PAYMENT",)]
    finally:
        await db.dispose()


async def test_check_refuses_an_unmigrated_database_and_writes_nothing(tmp_path):
    path = tmp_path / "absent" / "catalog.db"
    db = database("catalog", f"sqlite+aiosqlite:///{path}")
    try:
        with pytest.raises(DatabaseSetupError) as refused:
            await migrations.check(db, "catalog")
        assert "not migrated" in str(refused.value) and "run `graft migrate catalog` first" in str(refused.value)
        assert not path.exists()
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_replicas_migrating_an_empty_schema_at_once_take_turns(postgres_url):
    """Two processes' worth of engines on one empty schema: the advisory lock serializes them, so
    one upgrades and seeds, the other finds head and seeded tables; neither fails."""
    from subgraphs.users.seed import seed

    prefix = unique_schema_prefix()
    replicas = [database("users", postgres_url, prefix) for _ in range(2)]
    try:
        done = await asyncio.gather(*(migrations.migrate(db, "users", "head", seed) for db in replicas))
        assert sorted(d.before or "" for d in done) == ["", "0001"] and {d.after for d in done} == {"0001"}
        assert await rows(replicas[0], "SELECT count(*) FROM users WHERE email = 'ada@example.com'") == [(1,)]
    finally:
        await execute(replicas[0], f'DROP SCHEMA IF EXISTS "{prefix}users" CASCADE')
        for db in replicas:
            await db.dispose()


async def test_an_unreachable_database_is_one_clear_line():
    db = database("catalog", "postgresql+asyncpg://graft:secret@127.0.0.1:9/nowhere")
    try:
        with pytest.raises(DatabaseSetupError) as failed:
            await migrations.migrate(db, "catalog")
        message = str(failed.value)
        assert message.startswith("catalog: cannot migrate") and "secret" not in message and "\n" not in message
    finally:
        await db.dispose()
