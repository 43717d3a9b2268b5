from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Integer, MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import Database
from tests.support.services import unique_schema_prefix


class Base(DeclarativeBase):
    metadata = MetaData()


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


async def _round_trip(db: Database) -> None:
    await db.create_all()
    await db.create_all()  # idempotent
    async with db.session() as session, session.begin():
        session.add(Thing(id=1, name="one"))
    before = db.statement_count
    async with db.session() as session:
        assert (await session.scalars(select(Thing.name))).all() == ["one"]
    assert db.statement_count == before + 1
    await db.dispose()


async def test_sqlite_database(tmp_path):
    await _round_trip(Database(f"sqlite+aiosqlite:///{tmp_path}/x/things.db", Base.metadata))


@pytest.mark.postgres
async def test_postgres_database_uses_its_own_schema(postgres_url):
    schema = unique_schema_prefix() + "things"
    db = Database(postgres_url, Base.metadata, schema=schema)
    await _round_trip(db)
    other = Database(postgres_url, Base.metadata, schema=unique_schema_prefix() + "other")
    await other.create_all()
    async with other.session() as session:
        assert (await session.scalars(select(Thing))).all() == []
    await other.dispose()


async def test_reads_of_a_sqlite_file_run_on_the_loop_thread_and_see_every_commit(tmp_path, monkeypatch):
    """Through aiosqlite a read is five hand-offs to its worker thread, several times the CPU of
    the read itself; `rows` on a SQLite file runs inline, yet reads what sessions committed."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/things.db", Base.metadata)
    await db.create_all()
    handed_off: list[object] = []
    hand_off = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed_off.append(fn)
        return await hand_off(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    for number, name in ((1, "one"), (2, "two")):
        async with db.session() as session, session.begin():
            session.add(Thing(id=number, name=name))
        assert handed_off, "writes go through the async engine"
        handed_off.clear()
        before = db.statement_count
        rows = await db.rows(select(Thing.name).order_by(Thing.id))
        things = await db.objects(select(Thing).order_by(Thing.id))  # ORM objects, detached
        assert [row.name for row in rows] == [thing.name for thing in things] == ["one", "two"][:number]
        assert handed_off == []
        assert db.statement_count == before + 2
    await db.dispose()


async def test_reads_of_an_in_memory_sqlite_database_see_its_tables():
    """An in-memory database exists only on its own connection: its reads stay on the engine."""
    db = Database("sqlite+aiosqlite:///:memory:", Base.metadata)
    await db.create_all()
    async with db.session() as session, session.begin():
        session.add(Thing(id=1, name="one"))
    assert [row.name for row in await db.rows(select(Thing.name))] == ["one"]
    assert [thing.name for thing in await db.objects(select(Thing))] == ["one"]
    await db.dispose()
