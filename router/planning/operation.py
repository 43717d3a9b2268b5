"""The walk over one operation: each selection set, each field, from the root fields down.

Fields the current subgraph can resolve (including what @provides makes local at this path)
stay in its fetch; the rest jump through a key to a subgraph that can resolve them (entities),
with @requires planned first (requires); abstract selections are split by the runtime types
each subgraph knows (abstract). Root fields are assigned to subgraphs by roots."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_composite_type,
)

from router.planning.abstract import note_alternatives, plan_abstract, plan_interface_object, via_interface_object
from router.planning.build import to_plan
from router.planning.entities import at_root, entity_target, jump, split_unreachable
from router.planning.errors import PlanningError
from router.planning.fragments import Fragments
from router.planning.groups import FetchGroups
from router.planning.plan import QueryPlan, RepresentationField
from router.planning.position import Position, provided_below, provided_for, variable_condition
from router.planning.reach import Reach
from router.planning.roots import split_root
from router.planning.selections import FieldSelection, free_alias
from router.supergraph.model import FieldModel, SupergraphModel


@dataclass(frozen=True)
class OperationWalk:
    """Implements router.planning.walk.Walk; `fetches` and `alternatives` fill up as it goes."""

    model: SupergraphModel
    fragments: Fragments
    reach: Reach
    fetches: FetchGroups = field(default_factory=FetchGroups)
    alternatives: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

    def plan(self, operation: OperationDefinitionNode) -> QueryPlan:
        root = self.model.schema.get_root_type(operation.operation)
        if root is None:
            raise PlanningError(f"The supergraph has no {operation.operation.value} type")
        self._root_fields(root.name, operation.selection_set, operation.operation is OperationType.MUTATION, None)
        return to_plan(self.model, operation, self.fetches)

    def _root_fields(self, root: str, selection_set: SelectionSetNode, mutation: bool, defer: int | None) -> None:
        """Deferred root fields of a query get root fetches of their own; a mutation's run in
        order with the others (their delivery is not deferred: the spec lets a server decline)."""
        fields, deferred = self.fragments.split(root, selection_set)
        for usage in deferred:
            if mutation:
                fields += self.fragments.collect(root, usage.selection_set)
        for node in fields:
            if node.name.value.startswith("__"):
                continue  # introspection and __typename are answered by the router
            condition = None if mutation else variable_condition(node)
            for graph, part in split_root(self, root, node):
                group = self.fetches.root(graph, condition, sequential=mutation, defer=defer)
                self.field(Position(group, group.tree, root, condition=condition, defer=defer), part)
        for usage in deferred if not mutation else ():
            made = self.fetches.defer(usage, (), defer)
            self._root_fields(root, usage.selection_set, mutation, made.id)

    def selection_set(self, at: Position, selection_set: SelectionSetNode | None) -> list[RepresentationField]:
        type_model = self.model.types[at.parent_type]
        if type_model.kind == "object":
            at = replace(at, provided=provided_for(at.provided, at.parent_type))
        if type_model.kind == "interface" and at.graph in type_model.interface_object_graphs:
            return plan_interface_object(self, at, selection_set)
        if type_model.kind == "interface" and not self.reach.runtime_types(at.graph, at.parent_type):
            at.selections.add_field("__typename")  # an entity interface with no implementation here
        elif type_model.kind in ("interface", "union"):
            return plan_abstract(self, at, selection_set)
        if at.internal:
            return [rep for node in self.fragments.collect(at.parent_type, selection_set)
                    for rep in [self.field(at, node)] if rep]
        fields, deferred = self.fragments.split(at.parent_type, selection_set)
        reps = [rep for node in fields for rep in [self.field(at, node)] if rep]
        for usage in deferred:
            made = self.fetches.defer(usage, at.path, at.defer)
            self.selection_set(replace(at, defer=made.id), usage.selection_set)
        return reps

    def field(self, at: Position, node: FieldNode) -> RepresentationField | None:
        """Fetches made for a field under @include/@skip on a variable run only when it applies."""
        if at.condition is None and not at.internal:
            at = replace(at, condition=variable_condition(node))
        name = node.name.value
        if name == "__typename":
            at.selections.add_field("__typename", None if at.internal else _alias(node))
            return RepresentationField("__typename") if at.internal else None
        field_model = self.model.types[at.parent_type].fields.get(name)
        if field_model is None:
            raise PlanningError(f"{at.parent_type}.{name} is not in the supergraph")
        source = field_model.sources.get(at.graph)
        needs_requires = source is not None and source.resolves and source.requires is not None
        if self.reach.resolvable(at.graph, at.parent_type, name, at.provided) and not needs_requires:
            if at.defer is not None and at.group.defer != at.defer and not at.internal:
                return self._deferred_jump(at, node)
            return self.local(at, node)
        if not needs_requires and not field_model.resolving_graphs():
            return via_interface_object(self, at, node)
        return jump(self, at, node, needs_requires)

    def _deferred_jump(self, at: Position, node: FieldNode) -> RepresentationField | None:
        """A deferred field the current fetch could resolve goes to a fetch of its deferred
        fragment: back into the same subgraph through a key, so the primary fetch does not wait
        for it. Without such a key it stays here, and only its delivery is deferred."""
        try:
            route = self.reach.self_route(at.graph, at.parent_type, node.name.value, at_root(self, at))
        except PlanningError:
            return self.local(at, node)
        return self.local(entity_target(self, at, route), node)

    def local(self, at: Position, node: FieldNode) -> RepresentationField | None:
        at.note_supplier()
        name = node.name.value
        field_model = self.model.types[at.parent_type].fields[name]
        composite = is_composite_type(self.model.schema.get_type(field_model.type_name))
        if composite and not at.internal and at.graph in self.model.types[at.parent_type].graphs:
            node = split_unreachable(self, at, node)
        arguments = tuple(node.arguments or ())
        alias = free_alias(at.selections, name, arguments) if at.internal else _alias(node)
        directives = () if at.internal else tuple(node.directives or ())
        selection = at.selections.add_field(name, alias, arguments, directives, composite)
        if not composite:
            return RepresentationField(name, None, alias) if at.internal else None
        reps = self._below(at, node, field_model, selection)
        return RepresentationField(name, tuple(reps), alias) if at.internal else None

    def _below(self, at: Position, node: FieldNode, field_model: FieldModel,
               selection: FieldSelection) -> list[RepresentationField]:
        """Plans the selections of a composite field the current fetch resolves."""
        name, source = node.name.value, field_model.sources.get(at.graph)
        depth = _list_depth(self.model.schema, at.parent_type, name)
        child_path = at.path + (selection.response_key,) + ("@",) * depth
        assert selection.children is not None
        child_type = (source.type_name if source is not None and source.type_name else None) or field_model.type_name
        if child_type != field_model.type_name:
            selection.children.add_field("__typename")  # the client's type is wider: shaping needs the real one
        note_alternatives(self, at, field_model, child_path)
        below = replace(at, selections=selection.children, parent_type=child_type, path=child_path,
                        provided=provided_below(at.provided, name, source))
        return self.selection_set(below, node.selection_set)


def _alias(node: FieldNode) -> str | None:
    return node.alias.value if node.alias else None


def _list_depth(schema: GraphQLSchema, type_name: str, field_name: str) -> int:
    graphql_type = schema.get_type(type_name).fields[field_name].type  # type: ignore[union-attr]
    depth = 0
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        depth += isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return depth
