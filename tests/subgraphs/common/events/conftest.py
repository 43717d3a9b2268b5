"""An events database per test: SQLite, or PostgreSQL in a schema of its own (dropped after)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from subgraphs.common.db import Database
from tests.support.events import close_database, open_database
from tests.support.services import unique_schema_prefix


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    yield db
    await close_database(db)


@pytest.fixture
async def postgres_db(postgres_url: str) -> AsyncIterator[Database]:
    db = await open_database(postgres_url, unique_schema_prefix() + "events")
    yield db
    await close_database(db)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The test runs on both databases."""
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[object]:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def stream_settings(redis_prefix: str):
    """Settings on a stream of the test's own (deleted after, with its dead letters), with
    short waits."""
    from subgraphs.common.events.config import EventsSettings

    return EventsSettings(transport="redis", stream=f"{redis_prefix}events", block=0.05, claim_idle=0.05,
                          max_attempts=3)
