"""Counters every feature reports into; /metrics serves them in Prometheus' text format.

Each worker process reports its own counts (Prometheus sums them by instance label)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, generate_latest

CACHE_LOOKUPS = Counter("graft_cache_lookups", "Cache lookups by cache and result (hit or miss).",
                        ["cache", "result"])
RATE_LIMITED = Counter("graft_rate_limited_requests", "Requests refused by a rate limit, by tier.", ["tier"])
OPERATION_LIMITED = Counter("graft_operation_limited_requests", "Operations refused by an operation limit.",
                            ["limit"])
REQUESTS = Counter("graft_requests", "GraphQL requests answered, by HTTP status.", ["status"])
BREAKER_STATE = Gauge("graft_circuit_breaker_state", "Circuit breaker per subgraph: 0 closed, 1 open, "
                      "2 half-open.", ["subgraph"])
SUBGRAPH_RETRIES = Counter("graft_subgraph_retries", "Fetches sent again after a failure, by subgraph.",
                           ["subgraph"])
SUBGRAPH_FETCHES = Counter("graft_subgraph_fetches", "Fetches through a circuit breaker, by subgraph and "
                           "outcome (ok, failed, not_sent: our queue or the deadline, rejected: refused while open).",
                           ["subgraph", "outcome"])


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE_LOOKUPS.labels(cache, "hit" if hit else "miss").inc()


def metrics_handler(token: str | None = None) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /metrics; with `token`, only for `Authorization: Bearer <token>` (else 401)."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            return web.Response(status=401, body=orjson.dumps({"errors": [{
                "message": "/metrics needs the scrape token: Authorization: Bearer <token>.",
                "extensions": {"code": "UNAUTHENTICATED"}}]}), content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics
