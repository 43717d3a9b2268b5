"""Interfaces and unions: selections split by the runtime types each subgraph knows, and
@interfaceObject subgraphs, which know an entity interface only as an object type."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from graphql import FieldNode, NameNode, SelectionSetNode

from router.planning.entities import child_fetch, entity_target, in_child, wait_for
from router.planning.errors import PlanningError
from router.planning.groups import merge_representations
from router.planning.plan import RepresentationField
from router.planning.position import Position
from router.planning.requires import plan_requires
from router.planning.selections import RENAMED_MARK, SelectionTree
from router.planning.walk import Walk
from router.supergraph.model import FieldModel, Key, SupergraphModel


def plan_abstract(walk: Walk, at: Position, selection_set: SelectionSetNode | None) -> list[RepresentationField]:
    """One fragment per runtime type the current subgraph may return here."""
    at.selections.add_field("__typename")
    reps: list[RepresentationField] = []
    for runtime in safe_runtime_types(walk, at):
        reps += walk.selection_set(replace(at, selections=at.selections.fragment(runtime), parent_type=runtime),
                                   selection_set)
    alias_type_conflicts(walk.model, at.graph, at.selections)
    return reps


def safe_runtime_types(walk: Walk, at: Position) -> list[str]:
    """Where several subgraphs could resolve the path, only the members they all share are
    safe to select (the federation audit's partial-union rule)."""
    abstract = at.parent_type
    types = walk.reach.runtime_types(at.graph, abstract)
    others = walk.alternatives.get(at.path, frozenset())
    if at.graph not in others or len(others) < 2:
        return types
    return [t for t in types if all(t in walk.model.types[abstract].members.get(g, set()) for g in others)]


def note_alternatives(walk: Walk, at: Position, field_model: FieldModel, child_path: tuple[str, ...]) -> None:
    """A path from an entity through shareable fields could be resolved by any subgraph
    that resolves all of it: record those subgraphs for the abstract types below."""
    parent, resolving = walk.model.types[at.parent_type], field_model.resolving_graphs()
    if parent.is_entity:
        graphs = frozenset(g for g in resolving if any(k.resolvable for k in parent.keys_in(g)))
    elif at.path in walk.alternatives:
        graphs = walk.alternatives[at.path] & frozenset(resolving)
    else:
        return
    walk.alternatives[child_path] = graphs


def alias_type_conflicts(model: SupergraphModel, graph: str, selections: SelectionTree) -> None:
    """Sibling fragments may not return one response key with different types (the subgraph
    would reject the query, e.g. `ID` on one type and `ID!` on another): later ones get an
    alias that the executor strips again (RENAMED_MARK)."""
    seen: dict[str, str] = {}
    for runtime, tree in selections.fragments.items():
        for key, selection in tree.fields.items():
            field_model = model.types[runtime].fields.get(selection.name)
            if field_model is None:
                continue
            source = field_model.sources.get(graph)
            signature = (source.type_ref if source is not None and source.type_ref else None) or field_model.type_ref
            first = seen.setdefault(key, signature)
            if first != signature and RENAMED_MARK not in (selection.alias or ""):
                selection.alias = f"{key}{RENAMED_MARK}{len(seen)}"


def plan_interface_object(walk: Walk, at: Position, selection_set: SelectionSetNode | None
                          ) -> list[RepresentationField]:
    """In an @interfaceObject subgraph only the interface is known: its own fields stay here;
    the real __typename and fragments on concrete types come from a subgraph where the
    interface is a real entity interface."""
    at.selections.add_field("__typename")
    local, remote = walk.fragments.split_interface_object(at.parent_type, selection_set)
    reps = [rep for node in local for rep in [walk.field(at, node)] if rep]
    if not remote:
        return reps  # no concrete type asked for: the interface's own fields answer it
    interface = walk.model.types[at.parent_type]
    real = [k.graph for k in interface.keys if k.resolvable and k.graph not in interface.interface_object_graphs]
    for graph in dict.fromkeys(real):
        route = walk.reach.route(at.graph, at.parent_type, graph, at.provided)
        if route is None:
            continue
        typename = FieldNode(name=NameNode(value="__typename"))
        walk.selection_set(entity_target(walk, at, route), SelectionSetNode(selections=(typename, *remote)))
        break
    return reps


def via_interface_object(walk: Walk, at: Position, node: FieldNode) -> RepresentationField | None:
    """A field an object gets from an interface it implements, resolved by an @interfaceObject
    subgraph: the representation names the interface, not the object type."""
    name = node.name.value
    for interface, graph, key in _interface_object_keys(walk, at, name):
        at.selections.add_field("__typename")
        reps = walk.selection_set(replace(at, internal=True), key.selection)
        required = plan_requires(walk, at, walk.model.types[interface].fields[name].sources[graph].requires)
        child = child_fetch(walk, at, graph, required)
        into = child.representations.setdefault(at.parent_type, [RepresentationField("__typename", value=interface)])
        merge_representations(into, reps + list(required.fields))
        wait_for(child, at, required)
        return walk.local(in_child(at, child, interface), node)
    raise PlanningError(f"Cannot plan {at.parent_type}.{name}: no subgraph resolves it")


def _interface_object_keys(walk: Walk, at: Position, field_name: str) -> Iterator[tuple[str, str, Key]]:
    """(interface, subgraph, key) for each interface of the object whose @interfaceObject
    subgraph resolves the field through a key the current subgraph can send."""
    for interface in walk.model.schema.get_type(at.parent_type).interfaces:  # type: ignore[union-attr]
        model = walk.model.types.get(interface.name)
        if model is None or field_name not in model.fields:
            continue
        for graph in model.fields[field_name].resolving_graphs():
            if graph not in model.interface_object_graphs:
                continue
            for key in model.keys_in(graph):
                if key.resolvable and walk.reach.can_fetch(at.graph, at.parent_type, key.selection, at.provided):
                    yield interface.name, graph, key
