"""One client, one request at a time: the latency a single user sees (no queueing behind other
clients), and what a request costs each process; and each subgraph's own floor (`{ __typename }`)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench import processes
from bench.probes import KeepAlive
from bench.processes import BenchProcess

TRIVIAL = b'{"query":"{ __typename }"}'


@dataclass(frozen=True)
class SequentialResult:
    """The operations of a mix sent in turn by one keep-alive client for a fixed time."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    gateway_cpu: float  # seconds of user + system time during the run
    subgraph_cpu: dict[str, float]
    statements_per_request: float | None = None  # SQL the subgraphs ran, where they count it

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms_per_request(self, cpu_seconds: float) -> float:
        return cpu_seconds / self.requests * 1000 if self.requests else 0.0


@dataclass(frozen=True)
class SubgraphFloor:
    """A subgraph's own per-request cost: `{ __typename }` sent straight to it, one at a time."""

    name: str
    p50_ms: float
    cpu_ms: float  # the subgraph's user + system time per request


def _percentile(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1] if len(samples) > 1 else samples[0]


def _timed_loop(client: KeepAlive, service: BenchProcess, bodies: list[bytes], seconds: float) -> list[float]:
    """Latencies (ms) of the bodies sent in turn until `seconds` have passed."""
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    while True:
        for body in bodies:
            start = time.perf_counter()
            client.post(service, body)
            latencies.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() >= end:
            return latencies


def run_sequential(service: BenchProcess, subgraphs: list[BenchProcess], bodies: list[bytes],
                   seconds: float) -> SequentialResult:
    """A short warm-up, then `seconds` of the mix with CPU measured around it."""
    client = KeepAlive()
    try:
        _timed_loop(client, service, bodies, min(1.0, seconds))
        statements_before = processes.total_statements(subgraphs)
        before = [processes.cpu_seconds(p.process.pid) for p in (service, *subgraphs)]
        started = time.perf_counter()
        latencies = _timed_loop(client, service, bodies, seconds)
        elapsed = time.perf_counter() - started
        after = [processes.cpu_seconds(p.process.pid) for p in (service, *subgraphs)]
        statements_after = processes.total_statements(subgraphs)
    finally:
        client.close()
    cpu = [b - a for a, b in zip(before, after)]
    statements = processes.statements_per_request(statements_before, statements_after, subgraphs, len(latencies))
    return SequentialResult(len(latencies), elapsed, statistics.median(latencies), _percentile(latencies, 95),
                            cpu[0], {s.name: c for s, c in zip(subgraphs, cpu[1:])}, statements)


def subgraph_floor(subgraph: BenchProcess, rounds: int = 1000) -> SubgraphFloor:
    """Median latency and CPU per request of the cheapest query a subgraph can answer."""
    client = KeepAlive()
    try:
        for _ in range(rounds // 10):
            client.post(subgraph, TRIVIAL)
        before = processes.cpu_seconds(subgraph.process.pid)
        latencies = []
        for _ in range(rounds):
            start = time.perf_counter()
            client.post(subgraph, TRIVIAL)
            latencies.append((time.perf_counter() - start) * 1000)
        cpu = processes.cpu_seconds(subgraph.process.pid) - before
    finally:
        client.close()
    return SubgraphFloor(subgraph.name, statistics.median(latencies), cpu / rounds * 1000)
