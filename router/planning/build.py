"""From fetch groups to plan nodes: each group's operation text, and the order they run in."""

from __future__ import annotations

from graphql import OperationDefinitionNode, print_ast

from router.planning.batch import EntityPart, batch_node
from router.planning.groups import FetchGroup, FetchGroups
from router.planning.plan import (
    ConditionNode,
    DeferredNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    RepresentationField,
    SequenceNode,
)
from router.planning.selections import RENAMED_MARK
from router.supergraph.model import SupergraphModel


def to_plan(model: SupergraphModel, operation: OperationDefinitionNode, fetches: FetchGroups) -> QueryPlan:
    """The primary fetches, and per deferred fragment the fetches that deliver it."""
    deferred = tuple(
        DeferredNode(d.id, d.usage.fragment, d.usage.label, d.path, d.parent, d.usage.condition,
                     to_node(model, operation, fetches.all, fetches.roots, d.id))
        for d in fetches.defers)
    return QueryPlan(to_node(model, operation, fetches.all, fetches.roots, None), deferred)


def to_node(model: SupergraphModel, operation: OperationDefinitionNode, groups: list[FetchGroup],
            roots: list[FetchGroup], defer: int | None = None) -> PlanNode | None:
    """A query's root fetches run together, then the entity fetches level by level. Mutation root
    fields run in order, each (with all its entity fetches) complete before the next one starts.
    `defer`: only the fetches of that deferred fragment (None: the primary ones)."""
    live = [g for g in groups if not g.tree.empty and g.defer == defer]
    stages = sorted({g.stage for g in live})
    nodes = [_stage_node(model, operation, [g for g in live if g.stage == s], roots) for s in stages]
    return _sequence([n for n in nodes if n is not None])


def _stage_node(model: SupergraphModel, operation: OperationDefinitionNode, groups: list[FetchGroup],
                roots: list[FetchGroup]) -> PlanNode | None:
    """The root fetches of one stage in parallel, then its entity fetches level by level. In a
    deferred fragment's plan, entity fetches below an earlier plan's data start with the roots."""
    levels = _levels(groups)
    first = [conditional(g, fetch_node(model, operation, g)) for g in roots if g in groups]
    first += _level_nodes(model, operation, [g for g in groups if g.is_entity and levels[g.id] == 0])
    steps = [_parallel(first)]
    for level in range(1, max(levels.values(), default=0) + 1):
        steps.append(_parallel(_level_nodes(model, operation, [g for g in groups if levels[g.id] == level])))
    return _sequence([s for s in steps if s is not None])


def _sequence(nodes: list[PlanNode]) -> PlanNode | None:
    """One node as itself; nested sequences flattened into one."""
    flat = [inner for n in nodes for inner in (n.nodes if isinstance(n, SequenceNode) else (n,))]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else SequenceNode(tuple(flat))


def _level_nodes(model: SupergraphModel, operation: OperationDefinitionNode,
                 groups: list[FetchGroup]) -> list[PlanNode]:
    """Entity fetches to one subgraph under one condition at one level become one request."""
    together: dict[tuple[str, tuple[str, bool] | None], list[FetchGroup]] = {}
    for group in groups:
        together.setdefault((group.graph, group.condition), []).append(group)
    nodes: list[PlanNode] = []
    for members in together.values():
        if len(members) == 1 or not all(g.is_entity for g in members):
            nodes += [conditional(g, fetch_node(model, operation, g)) for g in members]
        else:
            nodes.append(conditional(members[0], _batch(model, operation, members)))
    return nodes


def _batch(model: SupergraphModel, operation: OperationDefinitionNode, members: list[FetchGroup]) -> PlanNode:
    parts = [EntityPart(g.path, g.tree.print(1), representations(model, g)) for g in members]
    variables, declared = declared_variables(operation, set().union(*(g.tree.variables() for g in members)))
    taken = {d.variable.name.value for d in operation.variable_definitions or ()}
    return batch_node(model.graph_name(members[0].graph), parts, variables, declared, taken)


def conditional(group: FetchGroup, node: PlanNode) -> PlanNode:
    if group.condition is None:
        return node
    variable, included = group.condition
    return ConditionNode(variable, node if included else None, None if included else node)


def _levels(groups: list[FetchGroup]) -> dict[int, int]:
    """A group runs after its parent and after every group that supplies its @requires."""
    by_id = {g.id: g for g in groups}
    levels: dict[int, int] = {}

    def level(group: FetchGroup, seen: frozenset[int] = frozenset()) -> int:
        if group.id in levels:
            return levels[group.id]
        if group.id in seen:
            return 0  # a cycle would be a planner bug; keep the plan finite
        before = [group.parent.id] if group.parent is not None else []
        before += sorted(group.depends_on)
        value = 1 + max((level(by_id[i], seen | {group.id}) for i in before if i in by_id), default=-1)
        levels[group.id] = value
        return value

    for group in groups:
        level(group)
    return levels


def _parallel(nodes: list[PlanNode]) -> PlanNode | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else ParallelNode(tuple(nodes))


def representations(model: SupergraphModel, group: FetchGroup
                    ) -> tuple[tuple[str, tuple[RepresentationField, ...]], ...]:
    return tuple(_representations(model, group))


def _representations(model: SupergraphModel, group: FetchGroup):
    """Per __typename the representation fields. An @interfaceObject subgraph knows only the
    interface: objects of every implementing type are sent with the interface's name."""
    for type_name, reps in group.representations.items():
        yield type_name, tuple(reps)
        if group.graph in model.types[type_name].interface_object_graphs:
            literal = (RepresentationField("__typename", value=type_name),)
            rest = tuple(r for r in reps if r.name != "__typename")
            interface = model.schema.get_type(type_name)
            for implementation in model.schema.get_possible_types(interface):  # type: ignore[arg-type]
                if implementation.name not in group.representations:
                    yield implementation.name, literal + rest


def declared_variables(operation: OperationDefinitionNode, used: set[str]) -> tuple[tuple[str, ...], list[str]]:
    """The operation's variables a fetch uses, in their declared order: names and definitions."""
    definitions = [d for d in operation.variable_definitions or () if d.variable.name.value in used]
    return tuple(d.variable.name.value for d in definitions), [print_ast(d) for d in definitions]


def fetch_node(model: SupergraphModel, operation: OperationDefinitionNode, group: FetchGroup) -> PlanNode:
    variables, declared = declared_variables(operation, group.tree.variables())
    service = model.graph_name(group.graph)
    if not group.is_entity:
        kind = operation.operation.value
        head = f"{kind}({', '.join(declared)}) " if declared else f"{kind} "
        text = head + group.tree.print()
        return FetchNode(service, text, kind, variables, None, group.id, RENAMED_MARK in text)
    head = "query(" + ", ".join(["$representations: [_Any!]!", *declared]) + ") "
    body = "{\n  _entities(representations: $representations) " + group.tree.print(1) + "\n}"
    requires = representations(model, group)
    fetch = FetchNode(service, head + body, "query", variables, requires, group.id, RENAMED_MARK in body)
    return FlattenNode(group.path, fetch)
