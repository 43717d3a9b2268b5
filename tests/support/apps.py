"""In-process subgraph apps on aiohttp's test server, and tokens to call them with."""

from __future__ import annotations

import atexit
import importlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import make_url

from auth import scopes
from auth.keys import KeyStore, default_keys_path
from auth.tokens import TokenSettings, issue_access_token
from subgraphs.common import migrations
from subgraphs.common.app import DATABASE
from subgraphs.common.db import Database
from subgraphs.common.settings import ServiceSettings
from tests.support.processes import RunningService, start_graft
from tests.support.services import unique_schema_prefix


def token(user_id: int | str = 1, granted: Iterable[str] = scopes.SHOPPER, kind: str = "user") -> str:
    """A real access token signed with the test's key file: the authorization server's, whose
    JWKS the apps verify against (tests/subgraphs/conftest.py)."""
    return issue_access_token(
        KeyStore.open(default_keys_path()), TokenSettings.from_env(),
        subject=str(user_id), kind=kind, scopes=granted, client_id="storefront",
    )


def bearer(user_id: int | str = 1, granted: Iterable[str] = scopes.SHOPPER) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, granted)}"}


def service_bearer(name: str, granted: Iterable[str]) -> dict[str, str]:
    """What the service `name` (orders, payments) sends: its client_credentials token."""
    signed = issue_access_token(KeyStore.open(default_keys_path()), TokenSettings.from_env(),
                                subject=f"{name}-service", kind="client", scopes=granted,
                                client_id=f"{name}-service")
    return {"Authorization": f"Bearer {signed}"}


ADMIN = scopes.ADMIN_SCOPES


@dataclass
class SubgraphClient:
    client: TestClient

    @property
    def db(self) -> Database:
        return self.client.app[DATABASE]

    async def execute(self, query: str, variables: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None, status: int = 200) -> dict[str, Any]:
        resp = await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                      headers=headers or {})
        body = await resp.json()
        assert resp.status == status, (resp.status, body)
        return body

    async def get(self, params: dict[str, str], headers: dict[str, str] | None = None,
                  status: int = 200) -> tuple[dict[str, str], str]:
        """GraphQL over GET: the response's headers and text, once its status is as expected."""
        resp = await self.client.get("/graphql", params=params, headers=headers or {})
        text = await resp.text()
        assert resp.status == status, (resp.status, text)
        return dict(resp.headers), text


def mutation_over_get(mutation: str) -> list[dict[str, str]]:
    """GET parameters that would run `mutation` (an anonymous `mutation { ... }`) without its
    text starting with the word: after a comment, and chosen by operationName."""
    named = mutation.replace("mutation", "mutation M", 1)
    return [{"query": f"# note\n{mutation}"},
            {"query": f"query Q {{ __typename }} {named}", "operationName": "M"}]


_SEEDED: dict[str, Path] = {}  # subgraph name → a SQLite file migrated and seeded once this session


async def copy_seeded_database(name: str, settings: ServiceSettings) -> None:
    """A copy of the session's migrated and seeded SQLite file where `settings` point, so the app
    finds its database at head and seeded: the same rows (the seed is deterministic) without
    running every migration and seed again for each test. PostgreSQL schemas are made as before."""
    target = make_url(settings.database_url).database
    if (not settings.database_url.startswith("sqlite") or not settings.seed or settings.db_setup != "migrate"
            or not target or Path(target).exists()):
        return
    service = importlib.import_module(f"subgraphs.{name}.service")
    if name not in _SEEDED:
        template = Path(tempfile.mkdtemp(prefix=f"graft-seeded-{name}-")) / f"{name}.db"
        atexit.register(shutil.rmtree, template.parent, True)
        db = service.database(replace(settings, database_url=f"sqlite+aiosqlite:///{template}"))
        try:
            await migrations.migrate(db, name, "head", service.seed)
        finally:
            await db.dispose()  # the last connection closed: the WAL is checkpointed into the file
        _SEEDED[name] = template
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_SEEDED[name], target)


@asynccontextmanager
async def subgraph_client(name: str, database_url: str | None = None,
                          schema_prefix: str = "") -> AsyncIterator[SubgraphClient]:
    """The named subgraph's real app, seeded, on SQLite by default or the given database."""
    settings = ServiceSettings.from_env(name, 0)
    if database_url:  # the environment's other settings (GRAFT_JOBS, ...) still apply
        settings = replace(settings, database_url=database_url, database_schema=schema_prefix + name)
    await copy_seeded_database(name, settings)
    app = importlib.import_module(f"subgraphs.{name}.service").create_app(settings)
    async with TestClient(TestServer(app)) as client:
        yield SubgraphClient(client)


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def subgraph_on(request: pytest.FixtureRequest, name: str) -> AsyncIterator[SubgraphClient]:
    """For fixtures parametrized over DATABASES: the subgraph on SQLite, or on PostgreSQL in
    schemas of its own."""
    if request.param == "sqlite":
        async with subgraph_client(name) as client:
            yield client
    else:
        url = request.getfixturevalue("postgres_url")
        async with subgraph_client(name, url, unique_schema_prefix()) as client:
            yield client


def peer_process(name: str, tmp_path_factory: pytest.TempPathFactory, users: RunningService) -> RunningService:
    """A real, seeded subgraph process another subgraph calls, verifying tokens through the
    `users` service's JWKS (and getting its own service token there)."""
    base = tmp_path_factory.mktemp(name)
    return start_graft(name, ["subgraph", name], {"GRAFT_DATA_DIR": str(base), "USERS_URL": users.graphql_url}, base)
