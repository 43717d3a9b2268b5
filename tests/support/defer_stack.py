"""The marketplace's four subgraphs, a slow fifth one (tests/router/slow_subgraph.py) and
`graft serve` over the supergraph composed from all five, as real processes; and a client that
reads a multipart @defer response part by part, noting when each arrived."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from router.composition import SubgraphSource, compose
from tests.support.multipart import MultipartReader, boundary_of
from tests.support.processes import RunningService, free_port, start_graft, start_module, stop_all

MARKETPLACE = ("catalog", "orders", "users", "payments")
SCHEMAS = Path(__file__).resolve().parents[2] / "schema"
MULTIPART_ACCEPT = "multipart/mixed;deferSpec=20220824, application/json"


@contextmanager
def defer_stack(base: Path) -> Iterator[RunningService]:
    """Yields the router; everything stops on exit."""
    from tests.router.slow_subgraph import SDL

    ports = {name: free_port() for name in MARKETPLACE}
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    env = {"GRAFT_DATA_DIR": str(base), **{f"{name.upper()}_URL": url for name, url in urls.items()}}
    running: list[RunningService] = []
    try:
        for name, port in ports.items():
            running.append(start_graft(name, ["subgraph", name], env, base, port))
        slow = start_module("slow", "tests.router.slow_subgraph", base)
        running.append(slow)
        sources = [SubgraphSource(name, urls[name], (SCHEMAS / f"{name}.graphql").read_text()) for name in MARKETPLACE]
        supergraph = base / "supergraph-with-slow.graphql"
        supergraph.write_text(compose([*sources, SubgraphSource("slow", slow.graphql_url, SDL)]))
        router = start_graft("router", ["serve", "--supergraph", str(supergraph)], env, base)
        running.append(router)
        yield router
    finally:  # the router first, then the subgraphs at once
        routers = [service for service in running if service.name == "router"]
        stop_all(routers)
        stop_all(service for service in running if service not in routers)


@dataclass
class Arrival:
    seconds: float  # since the request was sent
    payload: dict


@dataclass
class Streamed:
    content_type: str
    arrivals: list[Arrival]
    closed: bool
    part_headers: list[dict[str, str]]


async def read_streamed(url: str, query: str, variables: dict | None = None,
                        accept: str = MULTIPART_ACCEPT, headers: dict[str, str] | None = None) -> Streamed:
    """POSTs the query and reads the body as it comes; a JSON answer is one arrival."""
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"query": query, "variables": variables or {}},
                                headers={"Accept": accept, **(headers or {})}) as response:
            content_type = response.headers["Content-Type"]
            if not content_type.startswith("multipart/mixed"):
                body = await response.json(content_type=None)
                return Streamed(content_type, [Arrival(time.perf_counter() - started, body)], True, [])
            reader = MultipartReader(boundary_of(content_type))
            arrivals: list[Arrival] = []
            async for chunk in response.content.iter_any():
                for payload in reader.feed(chunk):
                    arrivals.append(Arrival(time.perf_counter() - started, payload))
            return Streamed(content_type, arrivals, reader.closed, reader.headers)
