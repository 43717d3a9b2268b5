"""The router core behind one supergraph: plan (cached), execute, shape."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    print_ast,
    validate,
)
from graphql.execution.values import get_variable_values

from router.execution.client import SubgraphClient
from router.execution.executor import ExecutionState, execute_node
from router.execution.shaping import Shaper
from router.features.authorization import AuthorizationRules, Authorizer, Denials, Policy, load_policies, prune
from router.features.caches import Caches, build_caches
from router.features.caller import Caller
from router.features.metrics import cache_lookup
from router.features.plan_cache import PlanKey
from router.planning import PlanningError, QueryPlan, QueryPlanner
from router.supergraph import SupergraphModel, load_supergraph

FORWARDED_HEADERS = ("authorization",)


class PlanCache:
    """LRU of plans; the key holds the supergraph hash, so a new supergraph never serves an old plan."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, QueryPlan] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> QueryPlan | None:
        plan = self.entries.get(key)
        if plan is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return plan

    def put(self, key: tuple, plan: QueryPlan) -> None:
        self.entries[key] = plan
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


@dataclass(frozen=True)
class Operation:
    """What execute needs; the server's PreparedOperation has the same attributes."""

    document: DocumentNode
    operation: OperationDefinitionNode | None
    name: str | None


class Gateway:
    def __init__(self, supergraph: SupergraphModel, client: SubgraphClient,
                 policies: dict[str, Policy] | None = None, caches: Caches | None = None) -> None:
        self.supergraph = supergraph
        self.client = client
        self.planner = QueryPlanner(supergraph)
        self.caches = caches or Caches()
        self.plans = PlanCache(self.caches.plan_size)
        self.authorizer = Authorizer(AuthorizationRules.from_supergraph(supergraph), policies)

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema

    @property
    def supergraph_sha(self) -> str:
        return self.supergraph.sha

    @classmethod
    def from_sdl(cls, sdl: str, urls: dict[str, str] | None = None,
                 timeouts: dict[str, float] | None = None) -> Gateway:
        """`urls` overrides the subgraph URLs the supergraph names (by subgraph name)."""
        supergraph = load_supergraph(sdl)
        names = {g.name: g.url for g in supergraph.graphs.values()}
        return cls(supergraph, SubgraphClient({**names, **(urls or {})}, timeouts or {}))

    @classmethod
    def from_settings(cls, sdl: str, settings: Any) -> Gateway:
        supergraph = load_supergraph(sdl)
        urls, timeouts, caps = {}, {}, {}
        defaults = settings.subgraph_defaults
        for graph in supergraph.graphs.values():
            configured = settings.subgraph(graph.name)
            urls[graph.name] = str(configured.url) if configured.url else graph.url
            timeouts[graph.name] = configured.timeout
            caps[graph.name] = configured.max_concurrency or defaults.max_concurrency
        return cls(supergraph, SubgraphClient(urls, timeouts, max_concurrency=caps,
                                              default_max_concurrency=defaults.max_concurrency,
                                              queue_timeout=defaults.queue_timeout),
                   load_policies(settings.auth.policies), build_caches(settings))

    def plan(self, document: DocumentNode, operation_name: str | None, denials: Denials | None = None) -> QueryPlan:
        """Denied fields are pruned first; the key holds which requirements failed, since that
        and the document decide the pruned operation."""
        key = self._plan_key(document, operation_name, denials)
        plan = self.plans.get(key)
        cache_lookup("plan", plan is not None)
        if plan is None:
            plan = self._planned(document, operation_name, denials)
            self.plans.put(key, plan)
        return plan

    async def shared_plan(self, document: DocumentNode, operation_name: str | None,
                          denials: Denials | None = None) -> QueryPlan:
        """The in-process plan cache, then the one shared through Redis, then the planner."""
        shared = self.caches.shared_plans
        if shared is None:
            return self.plan(document, operation_name, denials)
        key = self._plan_key(document, operation_name, denials)
        plan = self.plans.get(key)
        cache_lookup("plan", plan is not None)
        if plan is None:
            plan = await shared.get(key)
            if plan is None:
                plan = self._planned(document, operation_name, denials)
                await shared.put(key, plan)
            self.plans.put(key, plan)
        return plan

    def _planned(self, document: DocumentNode, operation_name: str | None, denials: Denials | None) -> QueryPlan:
        return self.planner.plan(prune(document, denials) if denials else document, operation_name)

    def _plan_key(self, document: DocumentNode, operation_name: str | None, denials: Denials | None = None) -> PlanKey:
        source = document.loc.source.body if document.loc else print_ast(document)
        return (self.supergraph.sha, hashlib.sha256(source.encode()).hexdigest(), operation_name,
                denials.failed if denials else frozenset())

    async def authorize(self, document: DocumentNode, definition: OperationDefinitionNode, context: Any) -> Denials | None:
        if not self.authorizer.rules:
            return None
        guards = self.authorizer.rules.guards(self.api_schema, document, definition)
        if not guards:
            return None
        caller = getattr(context, "caller", None) or Caller(None, "unknown")
        return await self.authorizer.denials(guards, caller)

    async def execute(self, operation: Any, variables: dict[str, Any] | None, *, context: Any = None) -> dict[str, Any]:
        document, name, definition = operation.document, operation.name, operation.operation
        if definition is None:
            return {"errors": [{"message": f"Unknown operation {name!r}" if name else "No operation in the document"}]}
        # the server's document stage has coerced them already; other callers have not
        coerced = getattr(context, "variable_values", None)
        if coerced is None:
            coerced = get_variable_values(self.api_schema, definition.variable_definitions or (), variables or {})
            if isinstance(coerced, list):
                return {"errors": [e.formatted for e in coerced]}
        denials = await self.authorize(document, definition, context)
        try:
            plan = await self.shared_plan(document, name, denials)
        except PlanningError as exc:
            return {"errors": [{"message": str(exc), "extensions": {"code": "QUERY_PLANNING_FAILED"}}]}
        headers = _forwarded(getattr(context, "headers", None) or {})
        values = getattr(coerced, "coerced", coerced)  # graphql-core 3.3 wraps them, 3.2 did not
        state = ExecutionState(self.client, variables or {}, headers, conditions=values,
                               entity_cache=self.caches.entities)
        await execute_node(plan.node, state)
        if _asks_introspection(definition):
            _introspect(self.api_schema, document, name, variables, state)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        denied = denials.messages if denials else {}
        data = Shaper(self.api_schema, fragments, coerced, state.errors, denied).operation(definition, state.data)
        result: dict[str, Any] = {"data": data}
        if state.errors:
            result["errors"] = state.errors
        if getattr(context, "include_plan", False):
            result["extensions"] = {"queryPlan": plan.pretty()}
        return result

    async def execute_query(self, query: str, variables: dict[str, Any] | None = None,
                            operation_name: str | None = None) -> dict[str, Any]:
        """Parse, validate and execute: for tests and scripts; the server caches these stages."""
        document = parse(query)
        errors = validate(self.api_schema, document)
        if errors:
            return {"errors": [e.formatted for e in errors]}
        return await self.execute(Operation(document, get_operation_ast(document, operation_name), operation_name),
                                  variables)

    async def close(self) -> None:
        await self.client.close()
        await self.caches.close()


def load_gateway(sdl: str, **kwargs: Any) -> Gateway:
    return Gateway.from_sdl(sdl, **kwargs)


def _forwarded(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}


def _asks_introspection(definition: OperationDefinitionNode) -> bool:
    from graphql import FieldNode

    return any(isinstance(s, FieldNode) and s.name.value in ("__schema", "__type")
               for s in definition.selection_set.selections)


def _introspect(schema: GraphQLSchema, document: DocumentNode, name: str | None,
                variables: dict[str, Any] | None, state: ExecutionState) -> None:
    """__schema and __type come from the API schema itself, never from a subgraph."""
    result = execute(schema, document, operation_name=name, variable_values=variables)
    for key, value in (result.data or {}).items():  # type: ignore[union-attr]
        if value is not None and key not in state.data:
            state.data[key] = value
