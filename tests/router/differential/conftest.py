"""Graft and Apollo Gateway, each in front of its own copy of the four real subgraphs (SQLite,
seeded alike), so mutations run in order on fresh data for each."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from router.schema_files import SUPERGRAPH
from tests.router.composition.node_harness import NodeHarness, install
from tests.support.processes import RunningService, free_port, start_graft, start_router, stop_all

SUBGRAPHS = ("catalog", "orders", "users", "payments")
# who calls: (subject, scopes); None is anonymous
CALLERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ada": ("1", scopes.SHOPPER),  # a shopper, user 1
    "admin": ("2", scopes.ADMIN_SCOPES),  # Charles Babbage, an admin
    "grace": ("3", scopes.SHOPPER),  # another shopper, who owns none of Ada's orders
    "reader": ("1", (scopes.PROFILE,)),  # Ada with a token that may not read orders
}


@dataclass(frozen=True)
class Gateway:
    """One gateway under test: where to POST, and each caller's Authorization header."""

    name: str
    url: str
    tokens: dict[str, str]


def _subgraphs(base: Path, started: list[RunningService]) -> dict[str, RunningService]:
    """The four subgraphs on their own data under `base`, started side by side; each one that
    started is in `started`, so it is stopped even if another fails."""
    ports = {name: free_port() for name in SUBGRAPHS}
    env = {"GRAFT_DATA_DIR": str(base), **{f"{n.upper()}_URL": f"http://127.0.0.1:{p}/graphql" for n, p in ports.items()}}

    def start(name: str) -> RunningService:
        service = start_graft(name, ["subgraph", name], env, base, ports[name])
        started.append(service)
        return service

    with ThreadPoolExecutor(len(SUBGRAPHS)) as pool:
        return dict(zip(SUBGRAPHS, pool.map(start, SUBGRAPHS)))


def _tokens(base: Path) -> dict[str, str]:
    keys = KeyStore.open(base / "keys" / "signing-keys.json")
    return {name: "Bearer " + issue_access_token(keys, TokenSettings(), subject=subject, kind="user", scopes=granted,
                                                 client_id="storefront")
            for name, (subject, granted) in CALLERS.items()}


def _apollo(harness: NodeHarness, subgraphs: dict[str, RunningService], base: Path) -> tuple[subprocess.Popen, str]:
    """Apollo Gateway over our supergraph, its subgraph URLs pointed at these processes. It refuses
    a supergraph with security features it does not implement (@authenticated, @requiresScopes),
    so they are linked without `for: SECURITY`: the subgraphs enforce them for it."""
    sdl = re.sub(r'(@link\(url: "https://specs\.apollo\.dev/(authenticated|requiresScopes)/[^"]*"), for: SECURITY\)',
                 r"\1)", SUPERGRAPH.read_text())
    for name, service in subgraphs.items():
        sdl = re.sub(rf'(@join__graph\(name: "{name}", url: )"[^"]*"', rf'\1"{service.graphql_url}"', sdl)
    supergraph = base / "supergraph.graphql"
    supergraph.write_text(sdl)
    port = free_port()
    log_path = base / "apollo-gateway.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(harness.node), str(harness.script("gateway_forwarding.mjs")), str(supergraph),
                                    str(port)], cwd=harness.directory, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready" not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Apollo Gateway did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, Gateway]]:
    """(Graft, Apollo Gateway), started side by side; everything is stopped afterwards."""
    harness = install()
    graft_base, apollo_base = tmp_path_factory.mktemp("graft"), tmp_path_factory.mktemp("apollo")
    services: list[RunningService] = []
    apollo: subprocess.Popen | None = None
    try:
        with ThreadPoolExecutor(2) as pool:
            graft_subgraphs, apollo_subgraphs = pool.map(_subgraphs, (graft_base, apollo_base), (services, services))
            graft_started = pool.submit(start_router, "router", graft_subgraphs, graft_base,
                                        f"auth:\n  authorization_server: {graft_subgraphs['users'].url}\n")
            apollo_started = pool.submit(_apollo, harness, apollo_subgraphs, apollo_base)
            router = graft_started.result()
            services.append(router)
            apollo, apollo_url = apollo_started.result()
        yield (Gateway("graft", router.graphql_url, _tokens(graft_base)),
               Gateway("apollo", apollo_url, _tokens(apollo_base)))
    finally:
        if apollo is not None:
            apollo.terminate()
            apollo.wait(timeout=10)
        stop_all(services)
