"""The query planner's entry: an operation of a document, planned against a supergraph.

The walk itself is router.planning.operation; the concerns it delegates to are entities (key
jumps), requires, abstract (interfaces, unions, @interfaceObject) and roots; reach answers which
subgraph resolves what, and each step passes a Position (router.planning.position) down."""

from __future__ import annotations

from graphql import DocumentNode, FragmentDefinitionNode, get_operation_ast

from router.planning.errors import PlanningError
from router.planning.fragments import Fragments
from router.planning.operation import OperationWalk
from router.planning.plan import QueryPlan
from router.planning.reach import Reach
from router.supergraph.model import SupergraphModel

__all__ = ["PlanningError", "QueryPlanner"]


class QueryPlanner:
    """Pure and synchronous: the same document and supergraph always give the same plan."""

    def __init__(self, supergraph: SupergraphModel) -> None:
        self.supergraph = supergraph

    def plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            raise PlanningError(f"Unknown operation {operation_name!r}" if operation_name else "No operation to plan")
        definitions = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        fragments = Fragments(self.supergraph.schema, definitions)
        walk = OperationWalk(self.supergraph, fragments, Reach(self.supergraph, fragments))
        return walk.plan(operation)
