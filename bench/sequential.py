"""One client, one request at a time: the latency a single user sees (no queueing behind other
clients), and what a request costs each process; and each subgraph's own floor (`{ __typename }`)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

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
    return run_alternating([Stack(service, subgraphs)], bodies, 1, seconds)[0]


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


@dataclass(frozen=True)
class Paired:
    """The commerce mix through this code's stack and the baseline's, one client each, taking turns."""

    now: SequentialResult
    then: SequentialResult
    rounds: int
    seconds: float  # each stack's turn


@dataclass(frozen=True)
class Stack:
    """A gateway and the subgraphs it serves, as one client reaches them."""

    gateway: BenchProcess
    subgraphs: list[BenchProcess]


@dataclass
class _Tally:
    """One stack's turns so far."""

    cpu: list[float]  # the gateway's, then each subgraph's
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    statements: float | None = 0.0  # None once a subgraph counts none


def _turn(client: KeepAlive, stack: Stack, bodies: list[bytes], seconds: float, tally: _Tally) -> None:
    measured = [stack.gateway, *stack.subgraphs]
    statements_before = processes.total_statements(stack.subgraphs)
    before = [processes.cpu_seconds(p.process.pid) for p in measured]
    started = time.perf_counter()
    latencies = _timed_loop(client, stack.gateway, bodies, seconds)
    tally.seconds += time.perf_counter() - started
    tally.latencies += latencies
    tally.cpu = [total + processes.cpu_seconds(p.process.pid) - b for total, p, b in zip(tally.cpu, measured, before)]
    per_request = processes.statements_per_request(statements_before, processes.total_statements(stack.subgraphs),
                                                   stack.subgraphs, len(latencies))
    if tally.statements is not None:  # summed as counts, so turns of different lengths weigh right
        tally.statements = None if per_request is None else tally.statements + per_request * len(latencies)


def run_alternating(stacks: list[Stack], bodies: list[bytes], rounds: int, seconds: float) -> list[SequentialResult]:
    """One client per stack, the stacks taking turns for `rounds` rounds of `seconds` each, after a
    warm-up of up to a second each: this machine's speed drifts by as much as 2x within minutes, and
    a comparison of two stacks measured one after the other measures the drift as well; taking
    turns shares it out. One stack, one round: `run_sequential`."""
    clients = [KeepAlive() for _ in stacks]
    tallies = [_Tally([0.0] * (1 + len(stack.subgraphs))) for stack in stacks]
    try:
        for client, stack in zip(clients, stacks):
            _timed_loop(client, stack.gateway, bodies, min(1.0, seconds))
        for _ in range(rounds):
            for client, stack, tally in zip(clients, stacks, tallies):
                _turn(client, stack, bodies, seconds, tally)
    finally:
        for client in clients:
            client.close()
    return [_result(stack, tally) for stack, tally in zip(stacks, tallies)]


def _result(stack: Stack, tally: _Tally) -> SequentialResult:
    requests = len(tally.latencies)
    statements = tally.statements / requests if tally.statements is not None and requests else None
    return SequentialResult(requests, tally.seconds, statistics.median(tally.latencies),
                            _percentile(tally.latencies, 95), tally.cpu[0],
                            {s.name: c for s, c in zip(stack.subgraphs, tally.cpu[1:])}, statements)
