"""Graphs the bench can serve: their subgraph processes, the timed operation and its expected answer.

`benchmark` is the public gateway benchmark's graph; `commerce` is the project's own four subgraphs
with a storefront mix (`bench/commerce.py`). Another graph is one more `BenchGraph` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bench import commerce
from bench.baseline import CURRENT, Checkout, baseline
from bench.queries import HEAVY_QUERY, expected_heavy
from router import marketplace


@dataclass(frozen=True)
class BenchOperation:
    """One operation of a graph's load: its label in the report, the POST body, its expected answer."""

    label: str
    body: bytes
    expected: Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class BenchGraph:
    """`operations[0]` is the one probed for overhead and planning; all of them make up the load."""

    name: str
    description: str
    subgraphs: tuple[str, ...]
    operations: tuple[BenchOperation, ...]
    subgraph_argv: Callable[[Checkout, str, int], list[str]]
    subgraph_env: Callable[[dict[str, int], str], dict[str, str]]
    checkout: Callable[[], Checkout] = lambda: CURRENT  # the code its subgraphs and Graft run from
    gateways: tuple[str, ...] | None = None  # the only gateways measured on it; None: every one asked for


def _benchmark_argv(checkout: Checkout, name: str, port: int) -> list[str]:
    return [checkout.python, "-m", "bench.subgraphs", name, "--port", str(port)]


COMMERCE_OPERATIONS = tuple(BenchOperation(*op) for op in commerce.OPERATIONS)


GRAPHS = {
    "benchmark": BenchGraph(
        name="benchmark",
        description=(
            "The public gateway benchmark's accounts, inventory, products and reviews subgraphs, served from "
            "Python (`bench/subgraphs/`), and its heavy query. Schema and data sizes are the benchmark's; the "
            "data are our own. The expected answer is computed from the data (`bench/queries.py`)."
        ),
        subgraphs=("accounts", "inventory", "products", "reviews"),
        operations=(BenchOperation("heavy query", orjson.dumps({"query": HEAVY_QUERY, "operationName": "TestQuery"}),
                              expected_heavy),),
        subgraph_argv=_benchmark_argv,
        subgraph_env=lambda _ports, _data_dir: {},
    ),
    "commerce": BenchGraph(
        name="commerce",
        description=(
            "Graft's own catalog, orders, users and payments subgraphs on SQLite, seeded, under a storefront mix "
            "(product page, category page, home; `bench/commerce.py`) run side by side, the concurrency shared. "
            "Expected answers come from the seed. Percentiles are the worst operation's. Every gateway is served "
            "the graph without its `for: SECURITY` directives (@authenticated, @requiresScopes), which Apollo "
            "Gateway refuses to load; the mix asks for no protected field."
        ),
        subgraphs=marketplace.NAMES,
        operations=COMMERCE_OPERATIONS,
        subgraph_argv=commerce.subgraph_argv,
        subgraph_env=commerce.subgraph_env,
    ),
    "commerce-baseline": BenchGraph(
        name="commerce-baseline",
        description=(
            "The same commerce graph, mix and seed served by the code of the day issue 18 set its targets "
            "(`bench/baseline.py`: its subgraphs and its router, Graft only), so the commerce targets compare "
            "with it on this machine, in this run."
        ),
        subgraphs=marketplace.NAMES,
        operations=COMMERCE_OPERATIONS,
        subgraph_argv=commerce.subgraph_argv,
        subgraph_env=commerce.subgraph_env,
        checkout=baseline,
        gateways=("graft",),
    ),
}
