"""Retries of failed subgraph fetches, a layer with the client's own interface (`Subgraphs.send`)
between the circuit breaker and the client, so an open circuit is never retried and the breaker
counts one outcome per fetch. Only reads are retried (`SubgraphRequest.retryable`: queries and
entity fetches, never a mutation), only after a failure another attempt may cure (unreachable,
timed out, 5xx), with jittered exponential backoff that never runs past the request's deadline,
and only within a budget per subgraph (as Apollo Router's retry_percent and min_per_sec)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from router.config import RetrySettings
from router.execution.client import TIMED_OUT, UNAVAILABLE, SubgraphError, SubgraphRequest, SubgraphResponse, Subgraphs
from router.features.metrics import SUBGRAPH_RETRIES

RETRIED_MESSAGES = frozenset({UNAVAILABLE, TIMED_OUT})


@dataclass
class RetryBudget:
    """Retries allowed in the last `window` seconds: min_per_sec × window + retry_percent × requests."""

    settings: RetrySettings
    clock: Callable[[], float] = time.monotonic
    requests: deque[float] = field(default_factory=deque)
    retries: deque[float] = field(default_factory=deque)

    def deposit(self) -> None:
        self.requests.append(self.clock())

    def withdraw(self) -> bool:
        now = self.clock()
        for times in (self.requests, self.retries):
            while times and times[0] < now - self.settings.budget_window:
                times.popleft()
        allowed = (self.settings.min_per_sec * self.settings.budget_window
                   + self.settings.retry_percent * len(self.requests))
        if len(self.retries) >= allowed:
            return False
        self.retries.append(now)
        return True


class Retries:
    def __init__(self, subgraphs: Subgraphs, settings: RetrySettings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.subgraphs = subgraphs
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.budgets: dict[str, RetryBudget] = {}

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        if not (self.settings.enabled and request.retryable):
            return await self.subgraphs.send(request)
        budget = self.budgets.get(request.service)
        if budget is None:
            budget = self.budgets[request.service] = RetryBudget(self.settings, self.clock)
        budget.deposit()
        attempt = 0
        while True:
            try:
                response = await self.subgraphs.send(request)
                if response.status < 500 or not self._again(request, budget, attempt):
                    return response
            except SubgraphError as exc:
                retried = exc.sent and exc.public_message in RETRIED_MESSAGES
                if not retried or not self._again(request, budget, attempt):
                    raise
            await self.sleep(self._backoff(attempt))
            attempt += 1
            SUBGRAPH_RETRIES.labels(request.service).inc()

    def _again(self, request: SubgraphRequest, budget: RetryBudget, attempt: int) -> bool:
        """Another attempt: within max_retries, with time left after the longest backoff, in budget."""
        if attempt >= self.settings.max_retries:
            return False
        if request.deadline is not None and self.clock() + self._cap(attempt) >= request.deadline:
            return False
        return budget.withdraw()

    def _cap(self, attempt: int) -> float:
        return min(self.settings.backoff_max, self.settings.backoff_base * 2 ** attempt)

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, self._cap(attempt))  # full jitter: retries from many requests spread out
