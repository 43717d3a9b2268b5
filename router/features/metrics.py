"""Counters and histograms every feature reports into; /metrics serves them in Prometheus' text
format. Cache lookups by cache (document, plan, plan_redis, entity, apq) give the hit ratios.

Each worker process reports its own counts (Prometheus sums them by instance label)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

# seconds: from a cached plan's millisecond to a slow subgraph's half minute
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CACHE_LOOKUPS = Counter("graft_cache_lookups", "Cache lookups by cache and result (hit or miss).",
                        ["cache", "result"])
RATE_LIMITED = Counter("graft_rate_limited_requests", "Requests refused by a rate limit, by tier.", ["tier"])
OPERATION_LIMITED = Counter("graft_operation_limited_requests", "Operations refused by an operation limit.",
                            ["limit"])
REQUESTS = Counter("graft_requests", "GraphQL requests answered, by HTTP status.", ["status"])
IN_FLIGHT = Gauge("graft_requests_in_flight", "GraphQL requests being answered now.")
SUBSCRIPTIONS_OPEN = Gauge("graft_subscriptions_open", "Subscriptions this process holds now.")
SUBSCRIPTIONS_ENDED = Counter("graft_subscriptions_ended", "Subscriptions ended, by why (complete: the "
                              "source or the client ended it; or the error code the router ended it with).",
                              ["reason"])
REQUEST_DURATION = Histogram(
    "graft_request_duration_seconds", "GraphQL requests' time in the router, from the request read to the "
    "answer, by operation name, client name and version (bounded: router/features/labels.py) and outcome.",
    ["operation", "client_name", "client_version", "outcome"], buckets=BUCKETS)
SUBGRAPH_DURATION = Histogram("graft_subgraph_fetch_duration_seconds",
                              "Subgraph fetches' time, from the send to the parsed answer, by subgraph.",
                              ["subgraph"], buckets=BUCKETS)
SUBGRAPH_ERRORS = Counter("graft_subgraph_fetch_errors", "Subgraph fetches that failed (kind: the public "
                          "reason: unavailable, timed out, busy, invalid) or answered GraphQL errors (graphql).",
                          ["subgraph", "kind"])
BREAKER_STATE = Gauge("graft_circuit_breaker_state", "Circuit breaker per subgraph: 0 closed, 1 open, "
                      "2 half-open.", ["subgraph"])
SUBGRAPH_RETRIES = Counter("graft_subgraph_retries", "Fetches sent again after a failure, by subgraph.",
                           ["subgraph"])
SUBGRAPH_FETCHES = Counter("graft_subgraph_fetches", "Fetches through a circuit breaker, by subgraph and "
                           "outcome (ok, failed, not_sent: our queue or the deadline, rejected: refused while open).",
                           ["subgraph", "outcome"])


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE_LOOKUPS.labels(cache, "hit" if hit else "miss").inc()


def outcome(status: int, codes: tuple[str, ...]) -> str:
    """A request's outcome in a few values: success, graphql_errors (answered with errors),
    unauthenticated (401), rate_limited (429), refused (another 4xx), failed (5xx)."""
    if status >= 500:
        return "failed"
    special = {401: "unauthenticated", 429: "rate_limited"}
    if status in special:
        return special[status]
    if status >= 400:
        return "refused"
    return "graphql_errors" if codes else "success"


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
