"""The circuit breaker layer on a fake client and a fake clock: it opens on the failure ratio once
the window holds min_requests, refuses without calling the client while open, and half-open
probes close or reopen it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from router.config import CircuitBreakerSettings
from router.execution.client import UNAVAILABLE, SubgraphError, SubgraphRequest, SubgraphResponse
from router.features.circuit_breaker import CircuitBreakers, State

SETTINGS = CircuitBreakerSettings(window=10, min_requests=4, failure_ratio=0.5, open_seconds=5, half_open_probes=1)


@dataclass
class FakeClient:
    failing: bool = True
    calls: int = 0
    status: int = 200
    sent: bool = True

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        self.calls += 1
        if self.failing:
            raise SubgraphError(f"Subgraph '{request.service}' is unreachable", UNAVAILABLE, sent=self.sent)
        return SubgraphResponse({"data": {}}, self.status, None)


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


REQUEST = SubgraphRequest("orders", "{ a }", {})


async def attempt(breakers: CircuitBreakers) -> str:
    try:
        await breakers.send(REQUEST)
    except SubgraphError as exc:
        return str(exc)
    return "ok"


async def test_opens_after_min_requests_and_refuses_without_calling() -> None:
    client, clock = FakeClient(), Clock()
    breakers = CircuitBreakers(client, {"orders": SETTINGS}, clock)
    for _ in range(3):
        await attempt(breakers)
    assert breakers.states()["orders"] is State.CLOSED  # three failures: under min_requests
    await attempt(breakers)
    assert breakers.states()["orders"] is State.OPEN
    message = await attempt(breakers)
    assert "circuit open" in message and client.calls == 4


async def test_half_open_probe_closes_on_success_and_reopens_on_failure() -> None:
    client, clock = FakeClient(), Clock()
    breakers = CircuitBreakers(client, {"orders": SETTINGS}, clock)
    for _ in range(4):
        await attempt(breakers)
    clock.now += 5
    assert await attempt(breakers) != "ok" and client.calls == 5  # the probe failed
    assert breakers.states()["orders"] is State.OPEN
    assert "circuit open" in await attempt(breakers)
    clock.now += 5
    client.failing = False
    assert await attempt(breakers) == "ok"
    assert breakers.states()["orders"] is State.CLOSED
    assert await attempt(breakers) == "ok"


async def test_ratio_under_threshold_and_old_outcomes_do_not_open() -> None:
    client, clock = FakeClient(failing=False), Clock()
    breakers = CircuitBreakers(client, {"orders": SETTINGS}, clock)
    for _ in range(3):
        await attempt(breakers)
    client.failing = True
    for _ in range(2):
        await attempt(breakers)
    assert breakers.states()["orders"] is State.CLOSED  # 2 of 5
    clock.now += 11  # the successes leave the window; two failures alone are under min_requests
    await attempt(breakers)
    assert breakers.states()["orders"] is State.CLOSED


async def test_fetches_never_sent_do_not_count() -> None:
    client = FakeClient(sent=False)  # our queue was full, or the request's deadline had passed
    breakers = CircuitBreakers(client, {"orders": SETTINGS}, Clock())
    for _ in range(10):
        await attempt(breakers)
    assert breakers.states()["orders"] is State.CLOSED and client.calls == 10


async def test_5xx_counts_as_failure_and_disabled_passes_through() -> None:
    client = FakeClient(failing=False, status=503)
    breakers = CircuitBreakers(client, {"orders": SETTINGS, "users": SETTINGS.model_copy(update={"enabled": False})},
                               Clock())
    for _ in range(4):
        await attempt(breakers)
    assert breakers.states() == {"orders": State.OPEN}
    assert await breakers.send(SubgraphRequest("users", "{ a }", {})) is not None


async def test_probes_are_limited_while_half_open() -> None:
    probes = 2
    gate = asyncio.Event()

    class Slow(FakeClient):
        async def send(self, request: SubgraphRequest) -> SubgraphResponse:
            self.calls += 1
            await gate.wait()
            return SubgraphResponse({"data": {}}, 200, None)

    client, clock = Slow(), Clock()
    breakers = CircuitBreakers(client, {"orders": SETTINGS.model_copy(update={"half_open_probes": probes})}, clock)
    breakers.circuits["orders"]._enter(State.OPEN)
    clock.now += 5
    tasks = [asyncio.ensure_future(attempt(breakers)) for _ in range(probes + 3)]
    await asyncio.sleep(0)
    assert client.calls == probes
    gate.set()
    results = await asyncio.gather(*tasks)
    assert results.count("ok") == probes and breakers.states()["orders"] is State.CLOSED


async def test_a_reload_keeps_circuits_whose_settings_did_not_change() -> None:
    clock = Clock()
    old = CircuitBreakers(FakeClient(), {"orders": SETTINGS, "users": SETTINGS}, clock)
    for _ in range(4):
        await attempt(old)
    old.circuits["users"]._enter(State.OPEN)
    changed = SETTINGS.model_copy(update={"open_seconds": 1})
    new = CircuitBreakers(FakeClient(), {"orders": SETTINGS, "users": changed}, clock, kept=old.circuits)
    assert new.states() == {"orders": State.OPEN, "users": State.CLOSED}


async def test_the_state_gauge_follows_the_circuit() -> None:
    from prometheus_client import REGISTRY

    clock = Clock()
    breakers = CircuitBreakers(FakeClient(), {"gauged": SETTINGS}, clock)
    request = SubgraphRequest("gauged", "{ a }", {})

    def gauge() -> float | None:
        return REGISTRY.get_sample_value("graft_circuit_breaker_state", {"subgraph": "gauged"})

    assert gauge() == 0
    for _ in range(4):
        try:
            await breakers.send(request)
        except SubgraphError:
            pass
    assert gauge() == 1
    clock.now += 5
    breakers.circuits["gauged"].admit()
    assert gauge() == 2
