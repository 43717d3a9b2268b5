"""Subgraph fetch duration and errors per subgraph, and with tracing on a span per fetch (subgraph,
operation): a layer with the client's own interface (`Subgraphs.send`), wrapped right around the
client, below the entity cache, so only requests that really go to a subgraph are measured."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from router.execution.client import (
    BUSY,
    INVALID_RESPONSE,
    TIMED_OUT,
    UNAVAILABLE,
    SubgraphError,
    SubgraphRequest,
    SubgraphResponse,
    Subgraphs,
)
from router.features.metrics import SUBGRAPH_DURATION, SUBGRAPH_ERRORS

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


KINDS = {UNAVAILABLE: "unavailable", TIMED_OUT: "timeout", BUSY: "busy", INVALID_RESPONSE: "invalid"}


@dataclass(frozen=True)
class MeasuredSubgraphs:
    subgraphs: Subgraphs
    tracer: Tracer | None = None

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        if self.tracer is None:
            return await self._send(request)
        attributes = {"graft.subgraph": request.service, "graphql.document": request.query}
        with self.tracer.start_as_current_span(f"fetch {request.service}", attributes=attributes):
            return await self._send(request)

    async def _send(self, request: SubgraphRequest) -> SubgraphResponse:
        started = time.perf_counter()
        try:
            response = await self.subgraphs.send(request)
        except SubgraphError as exc:
            SUBGRAPH_ERRORS.labels(request.service, KINDS.get(exc.public_message, "other")).inc()
            raise
        finally:
            SUBGRAPH_DURATION.labels(request.service).observe(time.perf_counter() - started)
        if response.result.get("errors"):
            SUBGRAPH_ERRORS.labels(request.service, "graphql").inc()
        return response
