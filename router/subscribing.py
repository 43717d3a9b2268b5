"""One supergraph's subscriptions, beside its Gateway: after the ordinary stages up to the plan
(identity, rate limit, document, limits, authorize, plan), the root fetch becomes the owning
subgraph's event stream, and each event runs the plan and the Gateway's shape stage again, so
an event's response is shaped like any query's."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from router.execution.executor import ExecutionState, execute_node
from router.execution.subscription import EventSubgraphs, NotASubscriptionPlan, SourceStream, root_fetch
from router.gateway import FORWARDED_HEADERS, SHAPE_MARGIN, Gateway
from router.pipeline import RouterRequest

FINAL_STAGES = ("execute", "shape")  # what runs per event, not at subscribe time


async def responses(gateway: Gateway, request: RouterRequest, http: aiohttp.ClientSession,
                    event_timeout: float) -> AsyncIterator[dict[str, Any]]:
    """The formatted response to each event of `request` (planned, not executed). A plan with no
    subscription fetch (its root field denied and pruned) answers once, like a query."""
    try:
        root = root_fetch(request.planned())
    except NotASubscriptionPlan:
        await gateway.execute_stage(request)
        await gateway.shape_stage(request)
        assert request.response is not None
        yield request.response.formatted()
        return
    headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
    source = SourceStream(http, gateway.client.urls[root.service_name], root, request.graphql.variables, headers)
    async for event in source.events():
        yield await _answer(gateway, request, EventSubgraphs(gateway.caches.subgraphs, root, event), headers,
                            event_timeout)


async def _answer(gateway: Gateway, request: RouterRequest, subgraphs: EventSubgraphs, headers: dict[str, str],
                  timeout: float) -> dict[str, Any]:
    prepared = request.prepared()
    state = ExecutionState(subgraphs, request.graphql.variables, headers, conditions=prepared.variables,
                           error_policy=gateway.error_policy, request_id=request.request_id,
                           deadline=time.monotonic() + timeout - SHAPE_MARGIN)
    await execute_node(request.planned().node, state)
    request.execution = state
    await gateway.shape_stage(request)
    assert request.response is not None
    return request.response.formatted()
