"""Real PostgreSQL and Redis for tests: skipped when absent, failures when GRAFT_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import shutil
import socket
import uuid

import pytest

POSTGRES_URL = os.environ.get("GRAFT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GRAFT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("GRAFT_REQUIRE_SERVICES") == "1"


def program(name: str, what: str) -> str:
    """The path of a program on PATH; unavailable (skip, or fail in CI) without it."""
    path = shutil.which(name)
    if path is None:
        unavailable(what)
    assert path is not None
    return path


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def unavailable(what: str) -> None:
    """Skip, or fail when services are required (CI)."""
    message = f"{what} is not reachable"
    if services_required():
        pytest.fail(f"{message} and GRAFT_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def unique_schema_prefix() -> str:
    """Each test gets PostgreSQL schemas of its own: `t<hex>_catalog`, ..."""
    return f"t{uuid.uuid4().hex[:10]}_"
