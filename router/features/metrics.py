"""Counters every feature reports into; /metrics serves them in Prometheus' text format.

Each worker process reports its own counts (Prometheus sums them by instance label)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, generate_latest

CACHE_LOOKUPS = Counter("graft_cache_lookups", "Cache lookups by cache and result (hit or miss).",
                        ["cache", "result"])
RATE_LIMITED = Counter("graft_rate_limited_requests", "Requests refused by a rate limit, by tier.", ["tier"])
OPERATION_LIMITED = Counter("graft_operation_limited_requests", "Operations refused by an operation limit.",
                            ["limit"])
REQUESTS = Counter("graft_requests", "GraphQL requests answered, by HTTP status.", ["status"])


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE_LOOKUPS.labels(cache, "hit" if hit else "miss").inc()


async def metrics_handler(request: web.Request) -> web.Response:
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
