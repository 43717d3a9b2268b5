"""The retry layer on a fake client: reads retried after connection failures and 5xx, never a
mutation or a busy queue, never past the deadline, and never beyond the budget."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from router.config import RetrySettings
from router.execution.client import BUSY, UNAVAILABLE, SubgraphError, SubgraphRequest, SubgraphResponse
from router.features.retries import Retries

READ = SubgraphRequest("orders", "{ a }", {}, retryable=True)
MUTATION = SubgraphRequest("orders", "mutation { a }", {})


@dataclass
class Flaky:
    """Fails `failures` times (with `error`, or a 503 answer when None), then answers."""

    failures: int
    error: str | None = UNAVAILABLE
    calls: int = 0
    waits: list[float] = field(default_factory=list)

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        self.calls += 1
        if self.calls <= self.failures:
            if self.error is not None:
                raise SubgraphError("failed", self.error, sent=self.error != BUSY)
            return SubgraphResponse({"errors": [{"message": "down"}]}, 503, None)
        return SubgraphResponse({"data": {"a": 1}}, 200, None)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def retries(client: Flaky, **settings: float) -> Retries:
    return Retries(client, RetrySettings(**settings), sleep=client.sleep)  # type: ignore[arg-type]


async def test_a_read_is_retried_with_growing_jittered_backoff() -> None:
    client = Flaky(2)
    response = await retries(client, backoff_base=0.1).send(READ)
    assert response.status == 200 and client.calls == 3
    assert 0 <= client.waits[0] <= 0.1 and 0 <= client.waits[1] <= 0.2


async def test_5xx_is_retried_and_the_last_answer_returned_when_attempts_run_out() -> None:
    client = Flaky(5, error=None)
    response = await retries(client, max_retries=2).send(READ)
    assert response.status == 503 and client.calls == 3


async def test_mutations_and_busy_are_not_retried() -> None:
    client = Flaky(1)
    try:
        await retries(client).send(MUTATION)
    except SubgraphError:
        pass
    busy = Flaky(1, error=BUSY)
    try:
        await retries(busy).send(READ)
    except SubgraphError:
        pass
    assert client.calls == 1 and busy.calls == 1


async def test_no_retry_past_the_deadline() -> None:
    client = Flaky(1)
    request = SubgraphRequest("orders", "{ a }", {}, retryable=True, deadline=time.monotonic() + 0.01)
    try:
        await retries(client, backoff_base=0.5).send(request)
    except SubgraphError:
        pass
    assert client.calls == 1


async def test_the_budget_bounds_retries_to_a_share_of_requests() -> None:
    client = Flaky(10_000)
    layer = retries(client, max_retries=1, retry_percent=0.2, min_per_sec=0)
    for _ in range(100):
        try:
            await layer.send(READ)
        except SubgraphError:
            pass
    assert client.calls - 100 <= 20  # at most 20% extra
    assert client.calls - 100 >= 19
