"""Fixtures for every router test: the real app and stage list over a LocalGateway, and the
planner cases' fixture subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from router.config import RouterSettings, load_settings
from router.server.app import create_app
from router.server.pipeline import build_pipeline
from router.server.reload import Swappable
from router.server.resources import Resources
from tests.router.server.local_gateway import LocalGateway
from tests.support.processes import start_module

MakeClient = Callable[..., "TestClient"]


@pytest.fixture
async def make_client() -> AsyncIterator[Callable]:
    clients: list[TestClient] = []

    async def make(settings: RouterSettings | None = None, gateway: LocalGateway | None = None) -> TestClient:
        settings = settings or load_settings()
        resources = Resources.open(settings)
        pipelines = Swappable(build_pipeline(settings, resources, gateway or LocalGateway()))
        client = TestClient(TestServer(create_app(settings, pipelines, resources)))
        await client.start_server()
        client.pipelines = pipelines  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client) -> TestClient:
    return await make_client()


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory):
    """Every planner case's subgraphs, as one real process on a free port."""
    service = start_module("fixtures", "tests.router.planning.fixture_server", tmp_path_factory.mktemp("fixtures"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """The tiny subgraph (tests/router/server/tiny_subgraph.py) as a real process."""
    service = start_module("tiny", "tests.router.server.tiny_subgraph", tmp_path_factory.mktemp("tiny"))
    yield service
    service.stop()
