"""The router core for one supergraph: its authorize, plan, execute and shape stages, and what
they hold (planner, plan cache, subgraph client, authorizer). The server puts these stages after
its own; a reload builds a new Gateway and swaps it in whole."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    experimental_execute_incrementally,
    print_ast,
)

from router.config import RouterSettings
from router.execution.client import SubgraphClient
from router.execution.errors import SubgraphErrorPolicy
from router.execution.executor import ExecutionState, execute_node
from router.execution.incremental import run_inline, streamed, subsequent_payloads
from router.execution.shaping import CompiledOperations, Shaper
from router.features.authorization import AuthorizationRules, Authorizer, Policy, authorize_stage, load_policies, prune
from router.features.caches import Caches, build_caches
from router.features.circuit_breaker import CircuitBreakers
from router.features.plan_cache import PlanCache, PlanKey
from router.features.retries import Retries
from router.pipeline import (
    Caller,
    Denials,
    GraphQLRequest,
    GraphQLResponse,
    RequestError,
    RouterRequest,
    Stage,
    SubgraphReadiness,
    run_stages,
)
from router.pipeline.document import DocumentCache, document_stage
from router.pipeline.request import text_hash
from router.planning import PlanningError, QueryPlan, QueryPlanner
from router.planning.plan import DeferredNode
from router.supergraph import SupergraphModel, load_supergraph
from router.supergraph.cost import CostDirectives

FORWARDED_HEADERS = ("authorization",)
SHAPE_MARGIN = 0.1  # seconds before the request's deadline when fetches stop, to shape partial data in time
INTROSPECTION_ROOTS = ("__schema", "__type")


class Gateway:
    def __init__(self, supergraph: SupergraphModel, client: SubgraphClient,
                 policies: dict[str, Policy] | None = None, caches: Caches | None = None,
                 error_policy: SubgraphErrorPolicy | None = None, breakers: CircuitBreakers | None = None) -> None:
        self.supergraph = supergraph
        self.error_policy = error_policy or SubgraphErrorPolicy()
        self.client = client
        self.planner = QueryPlanner(supergraph)
        self.caches = caches or Caches(PlanCache(), client)
        self.plans = self.caches.plans
        self.authorizer = Authorizer(AuthorizationRules.from_supergraph(supergraph), policies)
        self.breakers = breakers  # the layer around the client (from_settings), under the caches
        self.compiled = CompiledOperations()  # shaping's field lists per operation, across requests

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema

    @property
    def supergraph_sha(self) -> str:
        return self.supergraph.sha

    @property
    def costs(self) -> CostDirectives:
        return self.supergraph.costs

    @classmethod
    def from_sdl(cls, sdl: str, urls: Mapping[str, str] | None = None) -> Gateway:
        """For tests and scripts: default settings in dev mode (subgraph errors shown whole);
        `urls` overrides subgraph URLs by name."""
        supergraph = load_supergraph(sdl)
        return cls(supergraph, SubgraphClient(subgraph_urls(supergraph, urls or {})),
                   error_policy=SubgraphErrorPolicy.everything())

    @classmethod
    def from_settings(cls, sdl: str, settings: RouterSettings, replacing: Gateway | None = None) -> Gateway:
        """`replacing`: the gateway a reload swaps out, whose circuit breakers' state carries over."""
        supergraph = load_supergraph(sdl)
        configured = {name: str(sub.url) for name, sub in settings.subgraphs.items() if sub.url is not None}
        defaults = settings.subgraph_defaults
        names = [graph.name for graph in supergraph.graphs.values()]
        client = SubgraphClient(
            subgraph_urls(supergraph, configured),
            {name: settings.subgraph(name).timeout for name in names},
            max_concurrency={name: settings.subgraph(name).max_concurrency or defaults.max_concurrency
                             for name in names},
            default_max_concurrency=defaults.max_concurrency, queue_timeout=defaults.queue_timeout,
            deduplicate=settings.traffic.deduplicate)
        retried = Retries(client, settings.traffic.retries)
        kept = replacing.breakers.circuits if replacing is not None and replacing.breakers is not None else None
        breakers = CircuitBreakers(retried, {name: settings.circuit_breaker(name) for name in names}, kept=kept)
        return cls(supergraph, client, load_policies(settings.auth.policies), build_caches(settings, breakers),
                   error_policy(settings), breakers)

    def stages(self) -> Sequence[Stage]:
        """authorize (only where the supergraph has requirements) → plan → execute → shape."""
        authorize = [authorize_stage(self.authorizer, self.api_schema)] if self.authorizer.rules else []
        return (*authorize, Stage("plan", self.plan_stage), Stage("execute", self.execute_stage),
                Stage("shape", self.shape_stage))

    async def plan_stage(self, request: RouterRequest) -> None:
        prepared = request.prepared()
        key = self.plan_key(prepared.document_hash, prepared.name, request.denials)
        try:
            request.plan = await self.plans.get(key, lambda: self._planned(prepared.document, prepared.name,
                                                                           request.denials))
        except PlanningError as exc:
            raise RequestError(str(exc), status=None, code="QUERY_PLANNING_FAILED") from exc

    async def execute_stage(self, request: RouterRequest) -> None:
        prepared, plan, later = request.prepared(), request.planned(), self._streamed(request)
        # answers shared with de-duplicated callers (so merged copy-on-write), unless there is no
        # de-duplication or deferred parts are shaped from this data later
        state = ExecutionState(self.caches.subgraphs, request.graphql.variables, _forwarded(request.headers),
                               conditions=prepared.variables, error_policy=self.error_policy,
                               request_id=request.request_id, deadline=_fetch_deadline(request.deadline),
                               copy_on_write=self.client.deduplicate and not later)
        await execute_node(plan.node, state)
        await run_inline(plan, later, state)
        part = introspection_part(prepared.document, prepared.operation)
        if part is not None:
            _introspect(self.api_schema, part, request.graphql.variables, state)
        request.execution = state

    async def shape_stage(self, request: RouterRequest) -> None:
        """The merged data shaped to the client's selection over the API schema."""
        prepared, state = request.prepared(), request.executed()
        document = prepared.document
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        denied = request.denials.messages if request.denials else {}
        later = self._streamed(request)
        shaper = Shaper(self.api_schema, fragments, prepared.variable_values, state.errors, denied,
                        frozenset(d.fragment for d in later), self.compiled)
        response = GraphQLResponse(shaper.operation(prepared.operation, state.data), state.errors)
        if later:
            response.subsequent = subsequent_payloads(request.planned(), later, state, shaper)
        if request.include_plan:
            response.extensions["queryPlan"] = request.planned().pretty()
        request.response = response

    def _streamed(self, request: RouterRequest) -> tuple[DeferredNode, ...]:
        """The deferred fragments this request gets in later parts (none unless it takes multipart)."""
        if not request.incremental:
            return ()
        return streamed(request.planned(), request.prepared().variables)

    def plan(self, document: DocumentNode, operation_name: str | None, denials: Denials | None = None) -> QueryPlan:
        """The plan, through the in-process plan cache: for the CLI and benchmarks."""
        source = document.loc.source.body if document.loc else print_ast(document)
        key = self.plan_key(text_hash(source), operation_name, denials)
        return self.plans.get_local(key, lambda: self._planned(document, operation_name, denials))

    def plan_key(self, document_hash: str, operation_name: str | None, denials: Denials | None) -> PlanKey:
        """`document_hash`: the text's, as the document stage computed it (text_hash)."""
        return PlanKey(self.supergraph_sha, document_hash, operation_name, denials.failed if denials else frozenset())

    def _planned(self, document: DocumentNode, operation_name: str | None, denials: Denials | None) -> QueryPlan:
        """Denied fields are pruned first, so no subgraph is asked for them."""
        return self.planner.plan(prune(document, denials) if denials else document, operation_name)

    async def execute_query(self, query: str, variables: dict | None = None, operation_name: str | None = None,
                            *, caller: Caller | None = None, headers: Mapping[str, str] | None = None,
                            include_plan: bool = False) -> dict:
        """The document stage and this gateway's stages, for tests and scripts (no HTTP)."""
        payloads = await self.execute_payloads(query, variables, operation_name, caller=caller, headers=headers,
                                               include_plan=include_plan)
        return payloads[0]

    async def execute_payloads(self, query: str, variables: dict | None = None, operation_name: str | None = None,
                               *, caller: Caller | None = None, headers: Mapping[str, str] | None = None,
                               include_plan: bool = False, incremental: bool = False) -> list[dict]:
        """Like execute_query; `incremental`: as a client taking multipart, every payload in order."""
        request = RouterRequest(GraphQLRequest(query, operation_name, variables or {}), headers or {},
                                include_plan=include_plan, incremental=incremental)
        if caller is not None:
            request.caller = caller
        try:
            await run_stages((document_stage(DocumentCache(self.api_schema)), *self.stages()), request)
        except RequestError as error:
            return [error.body]
        assert request.response is not None
        if request.response.subsequent is None:
            return [request.response.formatted()]
        return [{**request.response.formatted(), "hasNext": True},
                *[payload async for payload in request.response.subsequent]]

    async def readiness(self) -> Sequence[SubgraphReadiness]:
        names = sorted(self.client.urls)
        reachable = await asyncio.gather(*(self.client.reachable(name) for name in names))
        states = self.breakers.states() if self.breakers is not None else {}
        return [SubgraphReadiness(name, up, states[name].name.lower() if name in states else None)
                for name, up in zip(names, reachable)]

    async def close(self) -> None:
        await self.client.close()
        await self.caches.close()


def subgraph_urls(supergraph: SupergraphModel, overrides: Mapping[str, str]) -> dict[str, str]:
    """Subgraph name → URL: the supergraph's own, or the override; naming an unknown subgraph is
    an error (a typo would otherwise send traffic to the old URL silently)."""
    declared = {graph.name: graph.url for graph in supergraph.graphs.values()}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ValueError(f"settings override URLs of subgraphs the supergraph does not have: {', '.join(unknown)}")
    return {**declared, **overrides}


def error_policy(settings: RouterSettings) -> SubgraphErrorPolicy:
    """include_subgraph_errors as the executor takes it; dev_mode shows everything."""
    if settings.dev_mode:
        return SubgraphErrorPolicy.everything()
    errors = settings.include_subgraph_errors
    return SubgraphErrorPolicy(errors.all, dict(errors.subgraphs), frozenset(errors.allowed_codes), errors.service_name)


def _fetch_deadline(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - SHAPE_MARGIN


def _forwarded(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}


def introspection_part(document: DocumentNode, operation: OperationDefinitionNode) -> DocumentNode | None:
    """The operation cut down to its root introspection fields (`__schema`, `__type`), wherever
    they stand at the root: beside data, in inline fragments or in named ones. None without any.
    The router answers these from the API schema itself, never from a subgraph."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    selections = _introspection_selections(operation.selection_set, fragments, frozenset())
    if not selections:
        return None
    root = OperationDefinitionNode(operation=operation.operation, name=operation.name,
                                   variable_definitions=operation.variable_definitions,
                                   directives=operation.directives, selection_set=SelectionSetNode(selections=selections))
    return DocumentNode(definitions=(root, *fragments.values()))


def _introspection_selections(selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode],
                              spreads: frozenset[str]) -> tuple[SelectionNode, ...]:
    """Root fragments become inline fragments of their introspection fields, keeping their type
    conditions and directives, so @skip/@include still apply."""
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_ROOTS:
                kept.append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments \
                and selection.name.value not in spreads:
            fragment = fragments[selection.name.value]
            condition, inner = fragment.type_condition, fragment.selection_set
            spreads = spreads | {selection.name.value}
        else:
            continue
        found = _introspection_selections(inner, fragments, spreads)
        if found:
            directives = tuple(d for d in selection.directives or () if d.name.value != "defer")  # answered at once
            kept.append(InlineFragmentNode(type_condition=condition, directives=directives,
                                           selection_set=SelectionSetNode(selections=found)))
    return tuple(kept)


def _introspect(schema: GraphQLSchema, part: DocumentNode, variables: dict | None, state: ExecutionState) -> None:
    result = experimental_execute_incrementally(schema, part, variable_values=variables)
    assert isinstance(result, ExecutionResult), "the API schema has no async resolvers"
    state.data.update(result.data or {})
    state.errors.extend(dict(error.formatted) for error in result.errors or ())
