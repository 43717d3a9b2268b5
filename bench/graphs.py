"""Graphs the bench can serve: their subgraph processes, the timed operation and its expected answer.

The benchmark graph is here. The commerce graph (catalog, orders, users, payments with a storefront
mix) plugs in as another `BenchGraph` once those subgraphs have landed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bench.queries import HEAVY_QUERY, expected_heavy


@dataclass(frozen=True)
class BenchGraph:
    name: str
    subgraphs: tuple[str, ...]
    body: bytes
    expected: Callable[[], dict[str, Any]]
    subgraph_argv: Callable[[str, int], list[str]]


def _benchmark_argv(name: str, port: int) -> list[str]:
    return [sys.executable, "-m", "bench.subgraphs", name, "--port", str(port)]


GRAPHS = {
    "benchmark": BenchGraph(
        name="benchmark",
        subgraphs=("accounts", "inventory", "products", "reviews"),
        body=orjson.dumps({"query": HEAVY_QUERY, "operationName": "TestQuery"}),
        expected=expected_heavy,
        subgraph_argv=_benchmark_argv,
    ),
}
