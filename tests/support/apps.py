"""In-process subgraph apps on aiohttp's test server, and tokens to call them with."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from auth import scopes
from auth.keys import KeyStore, default_keys_path
from auth.tokens import TokenSettings, issue_access_token
from subgraphs.common.app import DATABASE
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings


def token(user_id: int | str = 1, granted: Iterable[str] = scopes.SHOPPER, kind: str = "user") -> str:
    """A real access token signed with the test's key file (the one the apps verify against)."""
    return issue_access_token(
        KeyStore.open(default_keys_path()), TokenSettings.from_env(),
        subject=str(user_id), kind=kind, scopes=granted, client_id="storefront",
    )


def bearer(user_id: int | str = 1, granted: Iterable[str] = scopes.SHOPPER) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, granted)}"}


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


@asynccontextmanager
async def subgraph_client(name: str, database_url: str | None = None,
                          schema_prefix: str = "") -> AsyncIterator[SubgraphClient]:
    """The named subgraph's real app, seeded, on SQLite by default or the given database."""
    settings = SubgraphSettings.from_env(name, 0)
    if database_url:
        settings = SubgraphSettings(name=name, port=0, database_url=database_url,
                                    database_schema=schema_prefix + name)
    app = importlib.import_module(f"subgraphs.{name}.service").create_app(settings)
    async with TestClient(TestServer(app)) as client:
        yield SubgraphClient(client)
