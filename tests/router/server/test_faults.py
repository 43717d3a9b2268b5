"""Faults with real processes under load: a subgraph killed (-9), one hung (SIGSTOP), the router
itself stopped (SIGTERM). What is asserted is the behaviour (partial data, no connection attempt
while the circuit is open, recovery, every request ended by its deadline, nothing in flight
lost); the figures are printed (`make resilience` runs it longer: FAULT_SECONDS)."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.processes import RunningService, start_graft, start_router

QUERY = '{ categories { name } product(id: "1") { name shippingEstimate { amount } } user(id: "1") { name } }'
SECONDS = float(os.environ.get("FAULT_SECONDS", "3"))
CLIENTS = int(os.environ.get("FAULT_CLIENTS", "10"))
DEADLINE = 2.0
OPEN_SECONDS = 3.0
SETTINGS = f"""traffic:
  timeout: {DEADLINE}
drain:
  grace_seconds: 10
subgraph_defaults:
  circuit_breaker: {{window: 5, min_requests: 5, failure_ratio: 0.5, open_seconds: {OPEN_SECONDS}, half_open_probes: 1}}
"""


@dataclass
class Outcome:
    started: float
    seconds: float
    kind: str  # ok, partial:<code>, http <status>, <exception name>
    body: dict = field(default_factory=dict)


@dataclass
class Stack:
    base: Path
    subgraphs: dict[str, RunningService]
    router: RunningService

    def restart(self, name: str) -> RunningService:
        old = self.subgraphs[name]
        self.subgraphs[name] = start_graft(name, ["subgraph", name], old.env, self.base, old.port)
        return self.subgraphs[name]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from tests.conftest import _stack

    base = tmp_path_factory.mktemp("faults")
    running = _stack(base, {})
    subgraphs = next(running)
    router = start_router("router", subgraphs, base, SETTINGS)
    yield Stack(base, subgraphs, router)
    router.stop()
    for service in subgraphs.values():  # restarted ones are not the generator's any more
        if service.process.poll() is None:
            os.kill(service.process.pid, signal.SIGCONT)
            service.stop()
    next(running, None)


def request(url: str) -> Outcome:
    started = time.monotonic()
    data = json.dumps({"query": QUERY}).encode()
    req = urllib.request.Request(url, data, {"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return Outcome(started, time.monotonic() - started, f"http {error.code}")
    except OSError as error:
        return Outcome(started, time.monotonic() - started, type(error).__name__)
    codes = sorted({e.get("extensions", {}).get("code", "?") for e in body.get("errors", ())})
    return Outcome(started, time.monotonic() - started, "partial:" + ",".join(codes) if codes else "ok", body)


def load(url: str, seconds: float, stop: Callable[[], bool] = lambda: False) -> list[Outcome]:
    """CLIENTS threads sending QUERY back to back for `seconds` (or until `stop()`)."""
    end = time.monotonic() + seconds

    def client() -> list[Outcome]:
        outcomes = []
        while time.monotonic() < end and not stop():
            outcomes.append(request(url))
        return outcomes

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [o for part in pool.map(lambda _: client(), range(CLIENTS)) for o in part]


def figures(name: str, outcomes: list[Outcome], **extra: object) -> None:
    kinds = Counter(o.kind for o in outcomes)
    slowest = max((o.seconds for o in outcomes), default=0.0)
    more = "".join(f", {k} {v}" for k, v in extra.items())
    print(f"\n[{name}] requests {len(outcomes)}, by kind {dict(kinds)}, max latency {slowest:.2f}s{more}")


def settle(url: str, seconds: float = OPEN_SECONDS + 5) -> None:
    """Until a request is answered whole (a circuit an earlier test opened has closed again)."""
    end = time.monotonic() + seconds
    while request(url).kind != "ok":
        assert time.monotonic() < end, "the stack did not recover"
        time.sleep(0.1)


def partial(outcome: Outcome, served: str) -> bool:
    """A fetch failed (SUBREQUEST_HTTP_ERROR) and the rest, `served`, was answered."""
    failed = outcome.kind.startswith("partial:") and "SUBREQUEST_HTTP_ERROR" in outcome.kind
    return failed and bool((outcome.body.get("data") or {}).get(served))


def ready(stack: Stack) -> dict:
    try:
        with urllib.request.urlopen(f"{stack.router.url}/ready", timeout=5) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


class CountingPort:
    """Listens on a dead subgraph's port and counts the connections that reach it (closing each at
    once, as a dead host would refuse them)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.count = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)


def test_a_hung_subgraph_costs_each_request_at_most_its_deadline(stack: Stack) -> None:
    url, users = stack.router.graphql_url, stack.subgraphs["users"]
    settle(url)
    users.process.send_signal(signal.SIGSTOP)
    try:
        outcomes = load(url, SECONDS)
    finally:
        users.process.send_signal(signal.SIGCONT)
    fast = sum(1 for o in outcomes if o.seconds < DEADLINE / 2)  # users' circuit open: not waited for
    figures("SIGSTOP users", outcomes, deadline=DEADLINE, answered_without_waiting=fast)
    # partial data (users' fetch timed out or refused), or, on a machine too loaded to shape it in
    # time, the router's own 504 at the deadline: both end the request by its deadline
    ended = [o for o in outcomes if (partial(o, "categories") and o.body["data"]["user"] is None) or o.kind == "http 504"]
    assert outcomes and len(ended) == len(outcomes), Counter(o.kind for o in outcomes)
    assert max(o.seconds for o in outcomes) < DEADLINE + 1.0  # margin for the client side, not a speed claim


def test_a_killed_subgraph_opens_its_circuit_and_recovers(stack: Stack) -> None:
    url, orders = stack.router.graphql_url, stack.subgraphs["orders"]
    settle(url)
    orders.process.send_signal(signal.SIGKILL)
    orders.process.wait()
    port = CountingPort(orders.port)
    try:
        opened = lambda: ready(stack)["subgraphs"]["orders"]["circuit"] == "open"  # noqa: E731
        under_fault = load(url, SECONDS, stop=opened)
        assert opened(), "the circuit did not open"
        probe = ready(stack)  # the router copes (its breaker answers for orders), so it stays ready
        assert probe["status"] == "ready" and probe["subgraphs"]["orders"]["circuit"] == "open"
        assert all(partial(o, "categories") and o.body["data"]["user"] for o in under_fault), Counter(o.kind for o in under_fault)
        before = port.count
        while_open = [request(url) for _ in range(20)]  # well within open_seconds
        assert port.count == before, "a fetch reached the dead port while the circuit was open"
        assert all(partial(o, "categories") and o.body["data"]["user"] for o in while_open), while_open[0]
        reached = port.count
        sustained = load(url, SECONDS)  # a figure: only half-open probes reach the port now
        probes = port.count - reached
    finally:
        port.close()
    restarting = time.monotonic()
    stack.restart("orders")
    back, recovering = time.monotonic(), 0
    while time.monotonic() - back < OPEN_SECONDS + 5 and request(url).kind != "ok":
        recovering += 1
        time.sleep(0.05)
    assert request(url).kind == "ok", "not recovered within the half-open interval"
    figures("kill -9 orders", under_fault + while_open + sustained, connects_before_open=reached,
            connects_while_open=0, sustained=f"{len(sustained)} requests in {SECONDS:.0f}s, {probes} connects (probes)",
            restart_seconds=f"{back - restarting:.2f}", recover_seconds_after_restart=f"{time.monotonic() - back:.2f}",
            partial_while_recovering=recovering)


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_requests_in_flight(stack: Stack, workers: int) -> None:
    """orders paused, so requests are in flight when SIGTERM arrives; resumed, they all finish.
    With --workers 2 the supervisor gets the signal and each worker drains its own requests."""
    router = start_router(f"draining-{workers}", stack.subgraphs, stack.base,
                          SETTINGS.replace(f"timeout: {DEADLINE}", "timeout: 10"), args=["--workers", str(workers)])
    orders = stack.subgraphs["orders"]
    settle(router.graphql_url)
    orders.process.send_signal(signal.SIGSTOP)
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(request, router.graphql_url) for _ in range(CLIENTS)]
        time.sleep(0.5)
        router.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        late = request(router.graphql_url)  # after SIGTERM: refused, never half-served
        orders.process.send_signal(signal.SIGCONT)
        in_flight = [f.result() for f in futures]
    code = router.process.wait(timeout=20)
    figures(f"SIGTERM router ({workers} worker{'s' if workers > 1 else ''})", in_flight, late=late.kind,
            exit_code=code)
    assert [o.kind for o in in_flight] == ["ok"] * CLIENTS
    assert late.kind in ("ConnectionRefusedError", "URLError") and code == 0
