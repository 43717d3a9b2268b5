"""Entity jumps: a field the current subgraph cannot resolve is fetched from another one, through
a chain of keys, each hop's key fields added to the fetch before it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from graphql import FieldNode, NameNode

from router.planning.errors import PlanningError
from router.planning.fragments import with_selections
from router.planning.groups import FetchGroup, conflicting, merge_representations
from router.planning.plan import RepresentationField
from router.planning.position import Position, Provided, provided_below
from router.planning.reach import Route
from router.planning.requires import Required, plan_requires
from router.planning.walk import Walk
from router.supergraph.model import Key


def jump(walk: Walk, at: Position, node: FieldNode, needs_requires: bool) -> RepresentationField | None:
    """Plans the field in the subgraph the fewest key jumps reach; a field with @requires in the
    current subgraph jumps back into it, since it sees the required fields only in a representation."""
    type_name, name = at.parent_type, node.name.value
    if needs_requires:
        destination, route = at.graph, walk.reach.self_route(at.graph, type_name, name, at.provided)
    else:
        try:
            destination, route = walk.reach.destination(at.graph, type_name, name, at.provided)
        except PlanningError:
            return via_gathered_key(walk, at, node)
    required = plan_requires(walk, at, walk.model.types[type_name].fields[name].sources[destination].requires)
    return walk.local(entity_target(walk, at, route, required), node)


def entity_target(walk: Walk, at: Position, route: Route, required: Required = Required()) -> Position:
    """Adds each hop's key to the fetch before it; returns the position in the last hop's fetch,
    which is neither one that supplies the @requires nor one whose representations conflict
    with them."""
    current = replace(at, provided=at_root(walk, at))
    for hop, (graph, key) in enumerate(route):
        last = hop == len(route) - 1
        reps = _key_fields(walk, current, key)
        child = child_fetch(walk, current, graph, required if last else Required())
        into = child.representations.setdefault(at.parent_type, [RepresentationField("__typename")])
        merge_representations(into, reps)
        if last and required.fields:
            merge_representations(into, list(required.fields))
            wait_for(child, at, required)
        current = replace(current, group=child, selections=child.tree.fragment(at.parent_type),
                          provided=walk.reach.with_own_keys(child.graph, at.parent_type, None))
    return replace(current, provided=None)


def _key_fields(walk: Walk, at: Position, key: Key) -> list[RepresentationField]:
    """Plans a key's fields in the current fetch: fields of the type itself, never split by runtime type."""
    at.selections.add_field("__typename")
    internal = replace(at, internal=True)
    return [rep for node in walk.fragments.collect(at.parent_type, key.selection)
            for rep in [walk.field(internal, node)] if rep]


def at_root(walk: Walk, at: Position) -> Provided | None:
    """At the root of an entity fetch the entity's own key fields are available too."""
    group, type_name = at.group, at.parent_type
    if group.is_entity and group.path == at.path and type_name in group.representations:
        return walk.reach.with_own_keys(group.graph, type_name, at.provided)
    return at.provided


def child_fetch(walk: Walk, at: Position, graph: str, required: Required = Required()) -> FetchGroup:
    """The entity fetch to `graph` below the current one at this path and condition: fields for
    the same subgraph share one, unless it supplies the required fields or already carries a
    representation field they conflict with."""
    parent = at.group
    path = at.path + (f"?{at.condition}",) if at.condition else at.path
    path += (f"!{at.defer}",) if at.defer is not None else ()
    n = 0
    while True:
        key = (graph, path if n == 0 else path + (f"#{n}",))
        child = parent.children.get(key)
        if child is None:
            child = parent.children[key] = walk.fetches.new(graph, at.path, parent, at.condition, at.defer)
            return child
        existing = child.representations.get(at.parent_type, [])
        if child.id not in required.suppliers and not conflicting(existing, list(required.fields)):
            return child
        n += 1


def wait_for(child: FetchGroup, at: Position, required: Required) -> None:
    """The entity fetch runs after the fetches supplying its required fields (besides its parent)."""
    child.depends_on |= {g for g in required.suppliers if g not in (at.group.id, child.id)}


def in_child(at: Position, child: FetchGroup, type_name: str) -> Position:
    """The position in an entity fetch just made for objects of `type_name` at this path."""
    return replace(at, group=child, selections=child.tree.fragment(type_name), parent_type=type_name, provided=None)


def via_gathered_key(walk: Walk, at: Position, node: FieldNode) -> RepresentationField | None:
    """No subgraph holds a whole key: gather its fields from several (each through its own
    jump, like @requires), then make the entity fetch with them."""
    type_name, name = at.parent_type, node.name.value
    for graph, key in _gatherable_keys(walk, at, name):
        at.selections.add_field("__typename")
        gathered = plan_requires(walk, at, key.selection)
        gathered += plan_requires(walk, at, walk.model.types[type_name].fields[name].sources[graph].requires)
        child = child_fetch(walk, at, graph, gathered)
        merge_representations(child.representations.setdefault(type_name, [RepresentationField("__typename")]),
                              list(gathered.fields))
        wait_for(child, at, gathered)
        return walk.local(in_child(at, child, type_name), node)
    raise PlanningError(f"Cannot plan {type_name}.{name}: no subgraph reachable from "
                        f"{walk.model.graph_name(at.graph)} through a key resolves it")


def _gatherable_keys(walk: Walk, at: Position, field_name: str) -> Iterator[tuple[str, Key]]:
    """The keys of subgraphs resolving the field whose fields are each local or one jump away."""
    type_model = walk.model.types[at.parent_type]
    for graph in type_model.fields[field_name].resolving_graphs():
        for key in type_model.keys_in(graph):
            if key.resolvable and walk.reach.plannable(at.graph, at.parent_type, key.selection, at.provided):
                yield graph, key


def split_unreachable(walk: Walk, at: Position, node: FieldNode) -> FieldNode:
    """Children no key can reach from here (their object has no key in the subgraphs that
    resolve them) are fetched with the whole field from another subgraph, through the
    parent entity. Returns the field with what stays here."""
    field_model = walk.model.types[at.parent_type].fields[node.name.value]
    child_type = field_model.type_name
    if walk.model.types[child_type].kind != "object" or node.selection_set is None:
        return node
    child_provided = provided_below(at.provided, node.name.value, field_model.sources.get(at.graph))
    stuck = [c for c in walk.fragments.collect(child_type, node.selection_set)
             if not walk.reach.reachable(at.graph, child_type, c.name.value, child_provided)]
    if not stuck:
        return node
    part = with_selections(node, stuck)
    others = [g for g in field_model.resolving_graphs() if g != at.graph
              and all(walk.reach.reachable(g, child_type, c.name.value, None) for c in stuck)]
    for other in sorted(others, key=lambda g: walk.reach.jumps(g, at.parent_type, part)):
        route = walk.reach.route(at.graph, at.parent_type, other, at_root(walk, at))
        if route is None:
            continue
        walk.local(entity_target(walk, at, route), part)
        kept = [s for s in node.selection_set.selections if not (isinstance(s, FieldNode) and s in stuck)]
        return with_selections(node, kept or [FieldNode(name=NameNode(value="__typename"))])
    return node
