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
