"""A circuit breaker per subgraph, a layer with the client's own interface (`Subgraphs.send`)
wrapped around it, as the entity cache is. A dead subgraph would otherwise cost every request a
connect error, and a hung one its whole timeout; once the failure ratio over a rolling window
crosses the threshold, fetches to it fail at once, and after `open_seconds` a few probes decide
whether it is back. The executor sees the same SubgraphError as for any failed fetch, so the
rest of the response is still served."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from router.config import CircuitBreakerSettings
from router.execution.client import UNAVAILABLE, SubgraphError, SubgraphRequest, SubgraphResponse, Subgraphs
from router.features.metrics import BREAKER_STATE, SUBGRAPH_FETCHES


class State(Enum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


@dataclass
class Circuit:
    """One subgraph's breaker: outcomes in the window, and when it opened."""

    name: str
    settings: CircuitBreakerSettings
    clock: Callable[[], float] = time.monotonic
    state: State = State.CLOSED
    opened_at: float = 0.0
    probes: int = 0  # half-open fetches in flight
    outcomes: deque[tuple[float, bool]] = field(default_factory=deque)  # (when, failed)

    def admit(self) -> State | None:
        """The state a fetch goes out in (HALF_OPEN: it is a probe), or None: refused. Moves open →
        half-open once open_seconds have passed."""
        if self.state is State.OPEN and self.clock() - self.opened_at >= self.settings.open_seconds:
            self._enter(State.HALF_OPEN)
        if self.state is State.CLOSED:
            return State.CLOSED
        if self.state is State.HALF_OPEN and self.probes < self.settings.half_open_probes:
            self.probes += 1
            return State.HALF_OPEN
        return None

    def release(self) -> None:
        """A probe that ended without an answer (cancelled): its slot is free again."""
        self.probes = max(0, self.probes - 1)

    def record(self, failed: bool, probe: bool) -> None:
        if probe:
            self.probes = max(0, self.probes - 1)
            if self.state is State.HALF_OPEN:
                self._enter(State.OPEN if failed else State.CLOSED)
                return
        now = self.clock()
        self.outcomes.append((now, failed))
        while self.outcomes and self.outcomes[0][0] < now - self.settings.window:
            self.outcomes.popleft()
        if failed and self.state is State.CLOSED and self._tripped():
            self._enter(State.OPEN)

    def _tripped(self) -> bool:
        total = len(self.outcomes)
        failures = sum(1 for _, failed in self.outcomes if failed)
        return total >= self.settings.min_requests and failures / total >= self.settings.failure_ratio

    def _enter(self, state: State) -> None:
        self.state = state
        if state is State.OPEN:
            self.opened_at = self.clock()
        if state is not State.HALF_OPEN:
            self.probes = 0
        if state is State.CLOSED:
            self.outcomes.clear()
        BREAKER_STATE.labels(self.name).set(state.value)


class CircuitBreakers:
    """Wraps the subgraph client; subgraphs without a configured breaker pass straight through."""

    def __init__(self, subgraphs: Subgraphs, settings: Mapping[str, CircuitBreakerSettings],
                 clock: Callable[[], float] = time.monotonic, kept: Mapping[str, Circuit] | None = None) -> None:
        """`kept`: the circuits of the gateway a reload replaces; one with the same settings goes on
        as it was, so a reload during an outage does not send a full wave to the dead subgraph."""
        self.subgraphs = subgraphs
        self.circuits: dict[str, Circuit] = {}
        for name, given in settings.items():
            if not given.enabled:
                continue
            old = (kept or {}).get(name)
            self.circuits[name] = old if old is not None and old.settings == given else Circuit(name, given, clock)
            BREAKER_STATE.labels(name).set(self.circuits[name].state.value)

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        circuit = self.circuits.get(request.service)
        if circuit is None:
            return await self.subgraphs.send(request)
        admitted = circuit.admit()
        if admitted is None:
            SUBGRAPH_FETCHES.labels(request.service, "rejected").inc()
            raise SubgraphError(f"Subgraph '{request.service}' is unavailable: circuit open", UNAVAILABLE)
        probe = admitted is State.HALF_OPEN
        try:
            response = await self.subgraphs.send(request)
        except SubgraphError as exc:
            if exc.sent:
                circuit.record(True, probe)
            elif probe:  # our own queue or the request's deadline: no sign of the subgraph's health
                circuit.release()
            SUBGRAPH_FETCHES.labels(request.service, "failed" if exc.sent else "not_sent").inc()
            raise
        except BaseException:  # cancelled (the request's deadline): neither success nor failure
            if probe:
                circuit.release()
            raise
        failed = response.status >= 500
        circuit.record(failed, probe)
        SUBGRAPH_FETCHES.labels(request.service, "failed" if failed else "ok").inc()
        return response

    def states(self) -> dict[str, State]:
        return {name: circuit.state for name, circuit in self.circuits.items()}
