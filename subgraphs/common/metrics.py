"""What a subgraph serves on GET /metrics (Prometheus text format): request duration by operation,
SQL statements run, the sizes of DataLoader batches (how well N+1 lookups are batched), and how far
events lag: from an event's occurrence to its effect here, and what the outbox has not yet sent.

Operation names come from callers, so the label is bounded the way the router bounds its own
(router/features/labels.py; subgraphs never import the router): well-formed names only, the first
OPERATION_LIMIT of them, anything else "other"."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from threading import Lock

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUEST_DURATION = Histogram("graft_subgraph_request_duration_seconds",
                             "GraphQL requests' time in the subgraph, by service and operation.",
                             ["service", "operation"], buckets=BUCKETS)
SQL_STATEMENTS = Counter("graft_subgraph_sql_statements", "SQL statements run, for requests or background "
                         "work (jobs, events).", ["work"])
BATCH_SIZE = Histogram("graft_subgraph_dataloader_batch_size", "Keys per DataLoader batch, by loader.",
                       ["loader"], buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000))
EVENT_LAG = Histogram("graft_event_lag_seconds", "From an event's occurrence (its outbox commit) to its effect "
                      "in a consuming service, by consumer and event type.", ["service", "type"],
                      buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0))
OUTBOX_BACKLOG = Gauge("graft_event_outbox_backlog", "Outbox events not yet published, by producing service.",
                       ["service"])
OUTBOX_OLDEST = Gauge("graft_event_outbox_oldest_seconds", "Age of the oldest unpublished outbox event "
                      "(0 when the outbox is empty), by producing service.", ["service"])
DEAD_DELIVERIES = Gauge("graft_event_dead_deliveries", "HTTP transport: deliveries given up on (dead letters "
                        "awaiting `graft events retry`), by producing service.", ["service"])

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OPERATION_LIMIT = 100
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
# a named operation, else the first root field: `query Pid {`, `mutation { payOrder(` → payOrder
_NAMED = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z]\w*)")
_FIRST_FIELD = re.compile(r"\{\s*(?:[_A-Za-z]\w*\s*:\s*)?([_A-Za-z]\w*)")
_seen: set[str] = set()
_lock = Lock()


def fold(name: str | None) -> str:
    if not name:
        return "unknown"
    if name in _seen:
        return name
    if not _NAME.fullmatch(name):
        return "other"
    with _lock:
        if len(_seen) >= OPERATION_LIMIT:
            return "other"
        _seen.add(name)
    return name


def operation_label(query: object, operation_name: object) -> str:
    """The operation's name, else its first root field (the router's fetches are anonymous:
    `_entities`, or the root field it asks for)."""
    if isinstance(operation_name, str) and operation_name:
        return fold(operation_name)
    if not isinstance(query, str):
        return "unknown"
    found = _NAMED.match(query) or _FIRST_FIELD.search(query[:2000])
    return fold(found.group(1) if found else None)


async def _operation(request: web.Request) -> str:
    if request.method == "GET":
        return operation_label(request.query.get("query"), request.query.get("operationName"))
    try:
        body = orjson.loads(await request.read())  # aiohttp keeps the body; orjson: stdlib json costs more
    except (ValueError, web.HTTPException):
        return "unknown"
    return operation_label(body.get("query"), body.get("operationName")) if isinstance(body, dict) else "unknown"


def timed(service: str, handler: Handler) -> Handler:
    """`handler` (the subgraph's /graphql) with its duration observed by operation."""
    async def measured(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            elapsed = time.perf_counter() - started
            REQUEST_DURATION.labels(service, await _operation(request)).observe(elapsed)

    return measured


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
