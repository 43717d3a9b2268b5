"""Each subgraph's schema as an Alembic history of its own (subgraphs/<name>/migrations/), with its
version table beside its tables: in its PostgreSQL schema, or in its SQLite file.

A service upgrades at start (GRAFT_DB_SETUP=migrate, `make run` and the tests) or only checks
that its database is at head (GRAFT_DB_SETUP=check, production, after `graft migrate`). On
PostgreSQL, upgrade and seed run under an advisory lock per schema, so replicas starting at once
on an empty database take turns instead of racing on the same DDL."""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# alembic logs each plugin it loads and each step at INFO: noise in every service's start, where
# one line of ours says what changed
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import Connection, MetaData, inspect, text  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection  # noqa: E402

from subgraphs.common.db import Database  # noqa: E402

log = logging.getLogger("graft.migrations")

SETUP_MODES = ("migrate", "check")
VERSION_TABLE = "alembic_version"
Seeder = Callable[[Database], Awaitable[Any]]


class DatabaseSetupError(Exception):
    """Why a database cannot be used or migrated, in one line an operator can act on."""


@dataclass(frozen=True)
class Migration:
    """What one run did: the revision found and the revision left."""

    name: str
    before: str | None
    after: str | None
    adopted: bool = False  # an unversioned database (made before migrations) was stamped first


def script_location(name: str) -> Path:
    """subgraphs/<name>/migrations: env.py and versions/, shipped in the package."""
    return Path(__file__).resolve().parents[1] / name / "migrations"


def head(name: str) -> str:
    heads = ScriptDirectory(str(script_location(name))).get_heads()
    if len(heads) != 1:
        raise DatabaseSetupError(f"{name}: the migration history has {len(heads)} heads, not one")
    return heads[0]


def _config(name: str, connection: Connection, schema: str | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location(name)))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    return config


def run_env(metadata: Sequence[MetaData]) -> None:
    """The body of every env.py: migrate on the connection `graft` hands over, never another."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run through `graft migrate`, which hands the migration its connection")
    context.configure(connection=connection, target_metadata=list(metadata), render_as_batch=True,
                      version_table_schema=context.config.attributes.get("schema"))
    with context.begin_transaction():
        context.run_migrations()


def current_revision(connection: Connection, schema: str | None) -> str | None:
    """The revision the database is at; None when it has no version table (or no row)."""
    opts: dict[str, Any] = {"version_table_schema": schema}
    return MigrationContext.configure(connection, opts=opts).get_current_revision()


def schema_differences(connection: Connection, metadata: Sequence[MetaData]) -> list[Any]:
    """What Alembic's autogenerate finds between the database and the models (the version
    table aside): empty when the database is exactly the models' schema."""
    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "table" and name == VERSION_TABLE)

    from alembic.autogenerate import compare_metadata  # imported when used: it logs its plugins

    combined = MetaData()  # the service's tables and the events tables, compared as one schema
    for each in metadata:
        for table in each.tables.values():
            table.to_metadata(combined)
    context = MigrationContext.configure(connection, opts={"include_object": ours})
    return list(compare_metadata(context, combined))


def _schema(db: Database) -> str | None:
    return db.schema if db.is_postgres else None


def _lock_key(schema: str) -> int:
    """A signed 64-bit advisory lock key per schema, the same in every process."""
    return int.from_bytes(hashlib.sha256(f"graft-migrate:{schema}".encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def _locked(db: Database) -> AsyncIterator[AsyncConnection]:
    """A connection holding the schema's advisory lock (PostgreSQL), created schema included."""
    async with db.engine.connect() as conn:
        if conn.sync_connection is not None:  # a one-off: closed afterwards, not left idle in the pool
            conn.sync_connection.detach()
        if db.is_postgres and db.schema:
            key = _lock_key(db.schema)
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
            await conn.commit()
            try:
                yield conn
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await conn.commit()
        else:
            await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            await conn.commit()
            yield conn


def _adopt(connection: Connection, name: str, db: Database) -> bool:
    """A database made by create_all before migrations existed gets a revision: head when it is
    exactly the models' schema, else the first revision (the schema before the lifecycle work),
    which the upgrade then moves on. False when there is nothing to adopt (no tables)."""
    schema = _schema(db)
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables or not tables:
        return False
    script = ScriptDirectory(str(script_location(name)))
    base = script.get_bases()[0]
    target = head(name) if not schema_differences(connection, db.metadata) else base
    command.stamp(_config(name, connection, schema), target)
    log.info("%s: adopted a database made before migrations at revision %s", name, target)
    return True


def _upgrade(connection: Connection, name: str, db: Database, revision: str) -> Migration:
    schema = _schema(db)
    adopted = _adopt(connection, name, db)
    before = current_revision(connection, schema)
    config = _config(name, connection, schema)
    if revision.startswith("-"):
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)
    return Migration(name, before, current_revision(connection, schema), adopted)


async def migrate(db: Database, name: str, revision: str = "head", seed: Seeder | None = None) -> Migration:
    """Move the database to `revision` (head; `-1` is one step down) and seed it when asked,
    under the schema's lock. DatabaseSetupError when the database cannot be reached or migrated."""
    try:
        async with _locked(db) as conn:
            done = await conn.run_sync(_upgrade, name, db, revision)
            await conn.commit()
            if seed is not None and db.is_postgres:  # under the lock: replicas seed one at a time
                await seed(db)
        if seed is not None and not db.is_postgres:
            await seed(db)
        if done.before != done.after:
            log.info("%s database: %s → %s", name, done.before or "empty", done.after or "empty")
        return done
    except (SQLAlchemyError, OSError) as exc:
        raise DatabaseSetupError(f"{name}: cannot migrate {_where(db)}: {_reason(exc)}") from exc
    except Exception as exc:  # alembic's CommandError (unknown revision, ...): its message says what
        if type(exc).__module__.startswith("alembic"):
            raise DatabaseSetupError(f"{name}: {exc}") from exc
        raise


async def check(db: Database, name: str) -> str:
    """The database's revision when it is head; else DatabaseSetupError naming `graft migrate`.
    Nothing is written: no DDL, no seed, not even an empty SQLite file."""
    wanted = head(name)
    if not db.is_postgres and db.url.database and not Path(db.url.database).exists():
        found = None
    else:
        try:
            async with db.engine.connect() as conn:
                found = await conn.run_sync(current_revision, _schema(db))
        except (SQLAlchemyError, OSError) as exc:
            raise DatabaseSetupError(f"{name}: cannot read {_where(db)}: {_reason(exc)}") from exc
    if found != wanted:
        at = f"at revision {found}" if found else "not migrated"
        raise DatabaseSetupError(f"the {name} database ({_where(db)}) is {at}, not at {wanted}: "
                                 f"run `graft migrate {name}` first")
    return found


async def prepare(db: Database, name: str, mode: str, seed: Seeder | None) -> None:
    """At a service's start: `migrate` upgrades to head and seeds (when `seed` is given);
    `check` only verifies the revision."""
    if mode == "check":
        await check(db, name)
    else:
        await migrate(db, name, "head", seed)


async def command_line(names: Sequence[str], revision: str, seed: bool) -> int:
    """`graft migrate`: each named service's database (by its own settings) to `revision`, in
    order; stops at the first that fails, with one line saying why."""
    import importlib

    from subgraphs.common.settings import ServiceSettings

    log.setLevel(logging.WARNING)  # the one line per service below says what happened
    for name in names:
        service = importlib.import_module(f"subgraphs.{name}.service")
        db: Database = service.database(ServiceSettings.from_env(name))
        try:
            done = await migrate(db, name, revision, service.seed if seed else None)
        except DatabaseSetupError as exc:
            print(f"graft migrate: {exc}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        print(_summary(done, head(name), seed))
    return 0


def _summary(done: Migration, newest: str, seeded: bool) -> str:
    at = f"{done.after} (head)" if done.after == newest else (done.after or "empty")
    moved = f"{done.before or 'empty'} → {at}" if done.before != done.after else f"already at {at}"
    adopted = ", adopted a database made before migrations" if done.adopted else ""
    return f"{done.name}: {moved}{adopted}{', seeded' if seeded else ''}"


def _where(db: Database) -> str:
    """The database without its password, and the schema on PostgreSQL."""
    url = db.url.render_as_string(hide_password=True)
    return f"{url} schema {db.schema}" if db.is_postgres and db.schema else url


def _reason(exc: BaseException) -> str:
    """The driver's first line, not SQLAlchemy's statement dump and background link."""
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]

