"""The users app in-process, on SQLite and (for the main behaviours) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from auth import scopes
from auth.keys import KeyStore, default_keys_path
from auth.passwords import hash_password
from auth.tokens import TokenSettings, issue_access_token
from subgraphs.common.app import DATABASE
from subgraphs.common.db import Database
from subgraphs.common.settings import ServiceSettings
from subgraphs.users import seed
from subgraphs.users.service import create_app
from tests.support.apps import copy_seeded_database
from tests.support.services import unique_schema_prefix


_seed_hash = cache(hash_password)


@pytest.fixture(autouse=True)
def seed_hashes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's app seeds the same demo passwords and client secrets: their argon2 hashes (made
    to be slow, ~1 s of CPU per app) are made once a session; every row still holds a real hash."""
    monkeypatch.setattr(seed, "hash_password", _seed_hash)


def settings_for(url: str, redis_url: str | None = None) -> ServiceSettings:
    return ServiceSettings(name="users", port=0, database_url=url,
                            database_schema=unique_schema_prefix() + "users", redis_url=redis_url)


async def _client(settings: ServiceSettings) -> AsyncIterator[TestClient]:
    await copy_seeded_database("users", settings)  # SQLite: the session's seeded file, copied
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        yield client
    finally:
        db = client.app[DATABASE]
        if db.is_postgres:
            from sqlalchemy import text

            async with db.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE'))
        await client.close()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    """SQLite only."""
    async for c in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")):
        yield c


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TestClient]:
    """The main behaviours run on both databases."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite+aiosqlite:///{tmp_path / 'users.db'}"
    async for c in _client(settings_for(url)):
        yield c


def db_of(client: TestClient) -> Database:
    return client.app[DATABASE]


def token_for(user_id: int, admin: bool = False, **kwargs: Any) -> str:
    granted = scopes.ADMIN_SCOPES if admin else scopes.SHOPPER
    return issue_access_token(KeyStore.open(default_keys_path()), TokenSettings.from_env(),
                              subject=str(user_id), kind="user", scopes=granted, client_id="storefront", **kwargs)


async def gql(client: TestClient, query: str, variables: dict | None = None, token: str | None = None,
              status: int = 200) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    body = await resp.json()
    assert resp.status == status, body
    return body


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.fixture(autouse=True)
def verify_through_users() -> None:
    """The users service verifies tokens with the keys it holds: each test's own key file."""
