"""Single-request probes: correctness of a gateway's answer, and its overhead over direct fetches."""

from __future__ import annotations

import http.client
import json
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bench.processes import BenchProcess

OVERHEAD_ROUNDS = 200  # gateway and direct turns the overhead probe takes


class WrongAnswer(RuntimeError):
    """A gateway answered the timed operation differently from the expected result."""


def post(url: str, body: bytes, timeout: float = 30.0) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _first_difference(got: Any, want: Any, path: str = "") -> str:
    if type(got) is not type(want):
        return f"{path or '/'}: got {json.dumps(got)[:120]}, want {json.dumps(want)[:120]}"
    if isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                return _first_difference(got.get(key), want.get(key), f"{path}/{key}")
    if isinstance(want, list) and len(got) != len(want):
        return f"{path}: {len(got)} items, want {len(want)}"
    if isinstance(want, list):
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return _first_difference(g, w, f"{path}/{i}")
    return f"{path}: got {json.dumps(got)[:120]}, want {json.dumps(want)[:120]}"


def check_answer(gateway: BenchProcess, body: bytes, expected: dict[str, Any]) -> dict[str, Any]:
    """The gateway's answer, parsed; raises WrongAnswer naming the first differing path."""
    got = orjson.loads(post(gateway.url, body))
    if got != expected:
        raise WrongAnswer(f"{gateway.name} answered wrongly at {_first_difference(got, expected)}")
    return got


@dataclass(frozen=True)
class Overhead:
    gateway_ms: float
    direct_ms: float
    fetches: int

    @property
    def overhead_ms(self) -> float:
        return self.gateway_ms - self.direct_ms


class KeepAlive:
    """One persistent HTTP/1.1 connection per port, so neither path pays connection set-up."""

    def __init__(self) -> None:
        self.connections: dict[int, http.client.HTTPConnection] = {}

    def post(self, service: BenchProcess, body: bytes) -> bytes:
        conn = self.connections.get(service.port)
        if conn is None:
            conn = self.connections[service.port] = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
        conn.request("POST", "/graphql", body, {"content-type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{service.name} answered HTTP {response.status}: {payload[:200]!r}")
        return payload

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()


def alternating_medians(gateway: Callable[[], object], direct: Callable[[], object], rounds: int,
                        clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Median milliseconds of each, the two taking turns round by round, so a drift of the machine's
    speed (another process, a frequency change) falls on both alike rather than on whichever ran
    second."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for action, kept in ((gateway, times[0]), (direct, times[1])):
            start = clock()
            action()
            kept.append((clock() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def _stats(subgraph: BenchProcess, record: str) -> list[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{subgraph.port}/_bench/stats?record={record}", timeout=5) as r:
        return orjson.loads(r.read())["recorded"]


def measure_overhead(
    gateway: BenchProcess, subgraphs: list[BenchProcess], body: bytes, rounds: int = OVERHEAD_ROUNDS,
) -> Overhead | None:
    """Median latency through the gateway against the same subgraph fetches made one after another,
    the two taking turns; None for subgraphs that cannot record what they receive (only the bench's
    own subgraphs can)."""
    try:
        for sub in subgraphs:
            _stats(sub, "on")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    post(gateway.url, body)
    fetches = [(sub, rec.encode()) for sub in subgraphs for rec in _stats(sub, "off")]
    client = KeepAlive()
    try:
        gateway_ms, direct_ms = alternating_medians(lambda: client.post(gateway, body),
                                                    lambda: [client.post(sub, rec) for sub, rec in fetches], rounds)
    finally:
        client.close()
    return Overhead(gateway_ms, direct_ms, len(fetches))
