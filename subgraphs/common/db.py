"""Async SQLAlchemy engine and sessions for one subgraph's own database."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import CursorResult, Delete, Engine, Executable, MetaData, Row, Update, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from subgraphs.common.metrics import SQL_STATEMENTS


# False in background tasks (jobs, the event consumer): `statement_count` is what requests cost
_COUNTED: ContextVar[bool] = ContextVar("graft_statements_counted", default=True)


def uncounted() -> None:
    """The current task's statements are background work, left out of `statement_count`."""
    _COUNTED.set(False)


class Database:
    """One engine per subgraph; PostgreSQL gets a schema of its own so several subgraphs
    can share one database without reading each other's tables."""

    def __init__(self, url: str, metadata: MetaData | tuple[MetaData, ...], schema: str | None = None) -> None:
        self.url = make_url(url)
        # the service's own tables, and any kept beside them (the events tables)
        self.metadata = metadata if isinstance(metadata, tuple) else (metadata,)
        self.schema = schema if self.is_postgres else None
        self.engine: AsyncEngine = create_async_engine(self.url, **self._engine_options())
        # a class of its own, so session events (live notices after commit) are this database's alone
        self.session_class: type[Session] = type("Session", (Session,), {})
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=self.session_class)
        self.inline = self._inline_engine()
        self.statement_count = 0
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._count)

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def _engine_options(self) -> dict[str, Any]:
        if self.is_postgres:
            settings = {"search_path": self.schema} if self.schema else {}
            return {"connect_args": {"server_settings": settings}, "pool_size": 10, "max_overflow": 10}
        if self.url.database and self.url.database != ":memory:":
            from pathlib import Path

            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        return {"connect_args": {"timeout": 30}}

    def _inline_engine(self) -> Engine | None:
        """For the reads (`rows`, `objects`) of a SQLite file: the stdlib driver on the loop thread. SQLite answers a
        keyed read in tens of microseconds; through aiosqlite the same read is five hand-offs to
        its worker thread, measured at 6-8 times the CPU. A read never waits for a writer in WAL
        mode (`create_all` and the migrations set it); writes and sessions keep the async engine,
        as they may wait on SQLite's write lock. An in-memory database is one connection's alone."""
        if self.is_postgres or not self.url.database or self.url.database == ":memory:":
            return None
        return create_engine(self.url.set(drivername="sqlite"),
                             connect_args={"timeout": 1, "check_same_thread": False})  # disposed from any thread

    @property
    def engines(self) -> list[Engine]:
        """Every engine that runs this database's SQL (for statement counts and SQL spans)."""
        return [self.engine.sync_engine, *([self.inline] if self.inline is not None else [])]

    def _count(self, *_: Any) -> None:
        counted = _COUNTED.get()
        SQL_STATEMENTS.labels("request" if counted else "background").inc()
        if counted:
            self.statement_count += 1

    async def create_all(self) -> None:
        """Idempotent: creates the schema and any missing tables."""
        async with self.engine.begin() as conn:
            if self.is_postgres and self.schema:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            elif not self.is_postgres:
                await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            for metadata in self.metadata:
                await conn.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def reset_sequences(self, tables: list[str]) -> None:
        """After seeding explicit ids, PostgreSQL's serial sequences must move past them."""
        if not self.is_postgres:
            return
        async with self.engine.begin() as conn:
            for table in tables:
                await conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f"FROM {table}"
                ))

    def session(self) -> AsyncSession:
        return self.sessions()

    async def rows(self, query: Executable, params: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
        """A read's rows, without the ORM (no session, no objects to build): the hot read paths
        that only turn rows into answers. On a SQLite file answered inline (`_inline_engine`)."""
        if self.inline is not None:
            with self.inline.connect() as conn:
                return conn.execute(query, params).all()
        async with self.engine.connect() as conn:
            return (await conn.execute(query, params)).all()

    async def objects(self, query: Executable) -> Sequence[Any]:
        """A read's ORM objects (the first entity of each row), detached; inline like `rows`."""
        if self.inline is not None:
            with self.session_class(self.inline, expire_on_commit=False) as session:
                return session.scalars(query).all()
        async with self.session() as session:
            return (await session.scalars(query)).all()

    async def scalar(self, query: Executable, params: dict[str, Any] | None = None) -> Any:
        """The first column of a read's first row, or None."""
        found = await self.rows(query, params)
        return found[0][0] if found else None

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.inline is not None:
            self.inline.dispose()


async def rows_matched(session: AsyncSession, statement: Update | Delete) -> int:
    """How many rows an UPDATE's or DELETE's WHERE matched: how a conditional write tells it
    won. A session types every result as Result; a DML statement's is a CursorResult."""
    result = await session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError(f"{statement!r} gave a {type(result).__name__}, which has no rowcount")
    return result.rowcount


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
