"""One calling convention for every stage: `async (RouterRequest) -> None`, filling the request's
slots or refusing it with a RequestError. Tracing, retries and the like hook here, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from graphql import GraphQLSchema

from router.pipeline.request import RouterRequest
from router.supergraph.cost import CostDirectives

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

StageFunction = Callable[[RouterRequest], Awaitable[None]]


@dataclass(frozen=True)
class Stage:
    """A named step of the request pipeline (the names are docs/architecture.md's)."""

    name: str
    run: StageFunction


@dataclass(frozen=True)
class SubgraphReadiness:
    """One subgraph as /ready reports it: whether it accepts connections, and its circuit breaker's
    state (None: no breaker). With a breaker the router copes with it being down (fetches fail
    at once, the rest is served), so the router is ready either way."""

    name: str
    reachable: bool
    circuit: str | None

    @property
    def ok(self) -> bool:
        return self.reachable or self.circuit is not None


async def run_stages(stages: Sequence[Stage], request: RouterRequest, tracer: Tracer | None = None) -> None:
    """Each stage in order; a RequestError from one ends the request there. With a `tracer`
    (tracing on), each stage is a span, a child of the request's."""
    if tracer is None:
        for stage in stages:
            await stage.run(request)
        return
    for stage in stages:
        with tracer.start_as_current_span(f"stage {stage.name}", attributes={"graft.stage": stage.name}):
            await stage.run(request)


class SupergraphService(Protocol):
    """What the server needs of the router core for one supergraph (swapped whole on reload):
    its API schema and cost directives for the stages before planning, and its own stages."""

    @property
    def api_schema(self) -> GraphQLSchema: ...

    @property
    def supergraph_sha(self) -> str: ...

    @property
    def costs(self) -> CostDirectives: ...

    def stages(self) -> Sequence[Stage]:
        """authorize → plan → execute → shape, or whatever fills `request.response`."""

    async def readiness(self) -> Sequence[SubgraphReadiness]:
        """Each subgraph's state, for /ready."""

    async def close(self) -> None: ...
