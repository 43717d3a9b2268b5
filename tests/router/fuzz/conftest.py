"""A router of the fuzz test's own: `graft serve` over four fresh subgraph processes (their own
SQLite data), since fuzzed mutations change data the rest of the suite reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from tests.support.processes import RunningService, start_router

# caller → (subject, scopes); anonymous sends no token
SIGNED_IN = {"shopper": ("1", scopes.SHOPPER), "admin": ("2", scopes.ADMIN_SCOPES)}


@dataclass(frozen=True)
class FuzzTarget:
    router: RunningService
    headers: dict[str, dict[str, str]]  # caller → its extra request headers


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    from tests.conftest import _stack

    base = tmp_path_factory.mktemp("fuzz-stack")
    running = _stack(base, {})
    subgraphs = next(running)
    router = start_router("fuzz-router", subgraphs, base, f"auth:\n  authorization_server: {subgraphs['users'].url}\n")
    keys = KeyStore.open(base / "keys" / "signing-keys.json")
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for caller, (subject, granted) in SIGNED_IN.items():
        token = issue_access_token(keys, TokenSettings(), subject=subject, kind="user", scopes=granted,
                                   client_id="storefront")
        headers[caller] = {"Authorization": f"Bearer {token}"}
    try:
        yield FuzzTarget(router, headers)
    finally:
        router.stop()
        next(running, None)
