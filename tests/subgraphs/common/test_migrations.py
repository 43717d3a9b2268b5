"""Each subgraph's migration history on real SQLite files and real PostgreSQL schemas: from empty
to exactly the models' schema, from the previous revision with rows kept, one step down, adopting
a database made before migrations, and the start-time check."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from subgraphs.common import migrations
from subgraphs.common.db import Database
from subgraphs.common.migrations import DatabaseSetupError
from subgraphs.common.settings import ServiceSettings
from tests.support.processes import ROOT, RunningService, free_port, post_graphql, stop_all, wait_healthy
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
    await _drop_schemas(url, prefix)


@asynccontextmanager
async def opened(place: tuple[str, str], name: str) -> AsyncIterator[Database]:
    """The subgraph's database at `place`, disposed after the test."""
    url, prefix = place
    db = database(name, url.format(name=name), prefix)
    try:
        yield db
    finally:
        await db.dispose()


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
    async with opened(place, name) as db:
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


async def test_orders_upgrade_from_the_previous_revision_keeps_orders_and_renames_placed(place):
    async with opened(place, "orders") as db:
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


async def test_payments_upgrade_from_the_previous_revision_settles_old_refunds(place):
    async with opened(place, "payments") as db:
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


async def test_catalog_upgrade_keeps_reservations_held_without_expiry(place):
    async with opened(place, "catalog") as db:
        await migrations.migrate(db, "catalog", "0001")
        await execute(db, "INSERT INTO reservations (id, released, created_at) VALUES ('r-1', false, :created)",
                      created=CREATED)
        await migrations.migrate(db, "catalog")
        assert await rows(db, "SELECT id, released, expires_at, release_reason FROM reservations") == [
            ("r-1", False, None, None)]


@pytest.mark.parametrize("name", ["orders", "users"])
async def test_a_database_made_before_migrations_is_adopted(place, name):
    """create_all's tables (what a .data of the day before looks like) get head and keep their rows."""
    async with opened(place, name) as db:
        if db.is_postgres:
            await execute(db, f'CREATE SCHEMA "{db.schema}"')
        await db.create_all()
        done = await migrations.migrate(db, name)
        assert done.adopted and (done.before, done.after) == (migrations.head(name), migrations.head(name))
        assert await differences(db) == []


async def test_an_orders_database_from_before_the_lifecycle_is_adopted_then_upgraded(place):
    async with opened(place, "orders") as db:
        await migrations.migrate(db, "orders", "0001")
        await execute(db, "DROP TABLE alembic_version")  # as create_all left it: tables, no version
        await execute(db, "INSERT INTO orders (id, number, buyer_id, status, subtotal, shipping, currency, "
                          "created_at) VALUES (1, 'GR-1', 7, 'PLACED', 1000, 250, 'USD', :created)", created=CREATED)
        done = await migrations.migrate(db, "orders")
        assert done.adopted and (done.before, done.after) == ("0001", "0002")
        assert await rows(db, "SELECT status FROM orders") == [("PENDING_PAYMENT",)]


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


def graft(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "router", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_refuses_to_start_an_unmigrated_service_with_one_line(tmp_path):
    base = tmp_path / "orders"
    base.mkdir()
    done = graft("subgraph", "orders", "--port", str(free_port()),
                 env={"GRAFT_DATA_DIR": str(base), "GRAFT_DB_SETUP": "check"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if "graft subgraph" in line]
    assert line.startswith("graft subgraph orders: the orders database") and "run `graft migrate orders`" in line
    assert list(base.iterdir()) == []  # no SQLite file: nothing written


def test_graft_migrate_of_an_unreachable_database_says_so_without_a_traceback(tmp_path):
    done = graft("migrate", "catalog", env={"DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x"})
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("graft migrate: catalog: cannot migrate postgresql+asyncpg://")


def _answers(service: RunningService, query: str, token: str) -> dict:
    body = post_graphql(service.graphql_url, query, headers={"Authorization": f"Bearer {token}"})
    assert "errors" not in body, (service.name, body)
    return body["data"]


QUERIES = {  # each reads seeded rows, with a token verified through the users service's JWKS
    "catalog": ('{ product(id: "1") { sku } }', {"product": {"sku": "SKU-00001"}}),
    "orders": ('{ order(id: "1") { number } }', {"order": {"number": "GR-100001"}}),
    "users": ("{ me { email } }", {"me": {"email": "ada@example.com"}}),
    "payments": ('{ payment(id: "1") { id } }', {"payment": {"id": "1"}}),
}


@pytest.mark.postgres
def test_two_replicas_of_each_subgraph_start_on_a_schema_graft_migrate_made(tmp_path, postgres_url):
    """Production's order: `graft migrate --seed`, then replicas with GRAFT_DB_SETUP=check, which
    never write DDL; all eight start side by side and answer from the same tables."""
    prefix = unique_schema_prefix()
    keys = KeyStore.open(tmp_path / "keys" / "signing-keys.json")  # as a mounted secret would hold them
    env = {"DATABASE_URL": postgres_url, "GRAFT_DB_SCHEMA_PREFIX": prefix, "GRAFT_DATA_DIR": str(tmp_path),
           "GRAFT_KEYS_FILE": str(keys.path), "GRAFT_JOBS": "0"}
    try:
        done = graft("migrate", "--seed", env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [f"{name}: empty → {migrations.head(name)} (head), seeded"
                                            for name in ("catalog", "orders", "users", "payments")]
        ports = {(name, n): free_port() for name in NAMES for n in (1, 2)}
        env |= {"GRAFT_DB_SETUP": "check", "USERS_URL": f"http://127.0.0.1:{ports['users', 1]}/graphql"}
        replicas = [_spawn(name, port, env, tmp_path) for (name, _), port in ports.items()]
        try:
            for service in replicas:  # all eight import and start at once: two cores need a while
                wait_healthy(service, timeout=240)
            token = issue_access_token(keys, TokenSettings(), subject="1", kind="user", scopes=scopes.ADMIN_SCOPES)
            for service in replicas:
                query, expected = QUERIES[service.name]
                assert _answers(service, query, token) == expected
        finally:
            stop_all(replicas)
    finally:
        asyncio.run(_drop_schemas(postgres_url, prefix))


def _spawn(name: str, port: int, env: dict[str, str], base: Path) -> RunningService:
    """`graft subgraph NAME` started, not yet waited for."""
    log_path = base / f"{name}-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "router", "subgraph", name, "--port", str(port)], cwd=ROOT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, stdout=log, stderr=subprocess.STDOUT)
    return RunningService(name, port, process, log_path, env)


async def _drop_schemas(url: str, prefix: str) -> None:
    db = Database(url, ())
    async with db.engine.begin() as conn:
        for name in NAMES:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{prefix}{name}" CASCADE'))
    await db.dispose()
