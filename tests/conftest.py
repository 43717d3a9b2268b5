"""Fixtures shared by the whole suite: real services and real subgraph processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import services
from tests.support.processes import RunningService, start_graft, stop_all


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not services.listening("127.0.0.1", 5432):
        services.unavailable("PostgreSQL at 127.0.0.1:5432")
    return services.POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not services.listening("127.0.0.1", 6379):
        services.unavailable("Redis at 127.0.0.1:6379")
    return services.REDIS_URL


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix of the test's own in the shared Redis; its keys are deleted afterwards."""
    import uuid

    import redis.asyncio as aioredis

    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    client = aioredis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own GRAFT_DATA_DIR (SQLite files, signing keys): nothing touches ./.data."""
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("GRAFT_DATA_DIR", str(path))
    monkeypatch.delenv("GRAFT_KEYS_FILE", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return path


@pytest.fixture(scope="session")
def authorization_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """One real users service for the session's in-process subgraphs: they verify tokens through
    its JWKS, and tests sign theirs with its key file (`.env["GRAFT_KEYS_FILE"]`)."""
    base = tmp_path_factory.mktemp("authorization-server")
    service = start_graft("users", ["subgraph", "users"],
                          {"GRAFT_DATA_DIR": str(base), "GRAFT_KEYS_FILE": str(base / "keys" / "signing-keys.json")}, base)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningService]]:
    """The four subgraphs as real processes on SQLite, seeded, shared by the session's tests
    that only read. Tests that write start their own."""
    yield from _stack(tmp_path_factory.mktemp("stack"), {})


def _stack(base: Path, env: dict[str, str]) -> Iterator[dict[str, RunningService]]:
    from tests.support.processes import free_port

    ports = {name: free_port() for name in ("catalog", "orders", "users", "payments")}
    urls = {f"{name.upper()}_URL": f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    common = {"GRAFT_DATA_DIR": str(base), **urls, **env}
    running: dict[str, RunningService] = {}
    try:
        for name, port in ports.items():
            running[name] = start_graft(name, ["subgraph", name], common, base, port)
        yield running
    finally:
        stop_all(running.values())


@pytest.fixture
def silent():
    """A server (a users service, a Redis) that accepts connections and never answers."""
    from tests.support.silent_server import silent_server

    with silent_server() as server:
        yield server
