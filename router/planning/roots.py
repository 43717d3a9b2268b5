"""Root fields: which subgraph each goes to, and shared root fields split across subgraphs."""

from __future__ import annotations

from graphql import FieldNode

from router.planning.errors import PlanningError
from router.planning.fragments import with_selections
from router.planning.walk import Walk


def split_root(walk: Walk, root: str, node: FieldNode) -> list[tuple[str, FieldNode]]:
    """A shared root field over a type with no keys cannot jump between subgraphs: ask each
    subgraph for the part of the selection it resolves, and merge the answers at the root."""
    best = root_graph(walk, root, node)
    field_model = walk.model.types[root].fields[node.name.value]
    returned = walk.model.types[field_model.type_name]
    if node.selection_set is None or returned.kind != "object" or returned.is_entity \
            or walk.reach.jumps(best, root, node) == 0:
        return [(best, node)]
    candidates = [best] + [g for g in field_model.resolving_graphs() if g != best]
    parts: dict[str, list[FieldNode]] = {}
    for child in walk.fragments.collect(returned.name, node.selection_set):
        graph = next((g for g in candidates if walk.reach.jumps(g, returned.name, child) == 0), best)
        parts.setdefault(graph, []).append(child)
    return [(graph, with_selections(node, children)) for graph, children in parts.items()]


def root_graph(walk: Walk, root: str, node: FieldNode) -> str:
    """Among subgraphs resolving a root field, the one that needs the fewest jumps below it
    (then one already fetched from, then the first)."""
    candidates = walk.model.types[root].fields[node.name.value].resolving_graphs()
    if not candidates:
        raise PlanningError(f"No subgraph resolves {root}.{node.name.value}")
    used = {g.graph for g in walk.fetches.roots}
    return min(candidates, key=lambda g: (walk.reach.jumps(g, root, node), g not in used, candidates.index(g)))
