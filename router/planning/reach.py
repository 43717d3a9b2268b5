"""Which subgraph resolves a field, and the chain of entity keys that reaches it from another.

Pure questions about the supergraph for one operation (its fragments decide what a selection
set asks for); nothing here changes the plan being built."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from graphql import FieldNode, SelectionSetNode

from router.planning.errors import PlanningError
from router.planning.fragments import Fragments
from router.planning.position import Provided, provided_below, provided_for, provided_tree
from router.supergraph.model import Key, SupergraphModel

MAX_HOPS = 4
Route = list[tuple[str, Key]]  # each hop: the subgraph jumped to and the key it is reached by


@dataclass(frozen=True)
class Reach:
    """Answers about subgraphs, types and fields; `provided` is what @provides makes local where asked."""

    model: SupergraphModel
    fragments: Fragments

    def resolvable(self, graph: str, type_name: str, field_name: str, provided: Provided | None) -> bool:
        """Resolved by the subgraph itself, or provided on this path."""
        if field_name == "__typename":
            return True
        field_model = self.model.types[type_name].fields.get(field_name)
        if field_model is None:
            return False
        source = field_model.sources.get(graph)
        if source is not None and source.resolves:
            return True
        return provided is not None and field_name in provided

    def reachable(self, graph: str, type_name: str, field_name: str, provided: Provided | None) -> bool:
        """Resolvable here, or through a key this subgraph can send."""
        return self.resolvable(graph, type_name, field_name, provided) or any(
            self.route(graph, type_name, g, provided)
            for g in self.model.types[type_name].fields[field_name].resolving_graphs())

    def can_fetch(self, graph: str, type_name: str, selection_set: SelectionSetNode | None,
                  provided: Provided | None) -> bool:
        """Every field of the selection set (a key's, say) is resolvable in this one subgraph."""
        provided = provided_for(provided, type_name)
        for node in self.fragments.collect(type_name, selection_set):
            name = node.name.value
            if not self.resolvable(graph, type_name, name, provided):
                return False
            if node.selection_set is not None and name != "__typename":
                child_type = self.model.types[type_name].fields[name].type_name
                child_provided = provided.get(name) if provided and name in provided else None
                for runtime in self.concrete(graph, child_type):
                    if not self.can_fetch(graph, runtime, node.selection_set, child_provided):
                        return False
        return True

    def plannable(self, graph: str, type_name: str, selection_set: SelectionSetNode | None,
                  provided: Provided | None) -> bool:
        """Each field is local, or one key jump away."""
        provided = provided_for(provided, type_name)
        for node in self.fragments.collect(type_name, selection_set):
            name = node.name.value
            if self.resolvable(graph, type_name, name, provided):
                if node.selection_set is not None and name != "__typename":
                    child_type = self.model.types[type_name].fields[name].type_name
                    child_provided = provided.get(name) if provided and name in provided else None
                    if not all(self.plannable(graph, t, node.selection_set, child_provided)
                               for t in self.concrete(graph, child_type)):
                        return False
                continue
            if name not in self.model.types[type_name].fields or not any(
                    self.route(graph, type_name, g, provided)
                    for g in self.model.types[type_name].fields[name].resolving_graphs()):
                return False
        return True

    def runtime_types(self, graph: str, abstract: str) -> list[str]:
        """The object types a subgraph may return for an interface or union, in schema order."""
        members = self.model.types[abstract].members.get(graph, set())
        return [name for name in self.model.types if name in members]

    def concrete(self, graph: str, type_name: str) -> list[str]:
        """The object types a value of `type_name` can have in this subgraph (itself if an object)."""
        if self.model.types[type_name].kind in ("interface", "union"):
            return self.runtime_types(graph, type_name) or [type_name]
        return [type_name]

    def with_own_keys(self, graph: str, type_name: str, provided: Provided | None) -> Provided | None:
        """A subgraph can send the fields of its own keys for its entities, even ones it marks
        @external (they come with the representation)."""
        own: Provided = {}
        for key in self.model.types[type_name].keys_in(graph):
            for name, sub in provided_tree(key.selection).items():
                own.setdefault(name, {}).update(sub)
        if not own:
            return provided
        return {**own, **(provided or {})}

    def route(self, start: str, type_name: str, goal: str, provided: Provided | None) -> Route | None:
        """Shortest chain of key jumps from `start` to `goal` for entities of `type_name`."""
        queue: deque[tuple[str, Route]] = deque([(start, [])])
        seen = {start}
        while queue:
            graph, hops = queue.popleft()
            if graph == goal and hops:
                return hops
            if len(hops) >= MAX_HOPS:
                continue
            here = provided if graph == start else self.with_own_keys(graph, type_name, None)
            for key in self.model.types[type_name].keys:
                if not key.resolvable or key.graph in seen and key.graph != goal or key.graph == graph:
                    continue
                if self.can_fetch(graph, type_name, key.selection, here):
                    if key.graph == goal:
                        return [*hops, (key.graph, key)]
                    seen.add(key.graph)
                    queue.append((key.graph, [*hops, (key.graph, key)]))
        return None

    def destination(self, graph: str, type_name: str, field_name: str,
                    provided: Provided | None) -> tuple[str, Route]:
        """The subgraph resolving the field that the fewest key jumps reach, and those jumps."""
        candidates = self.model.types[type_name].fields[field_name].resolving_graphs()
        best: tuple[str, Route] | None = None
        for candidate in candidates:
            route = self.route(graph, type_name, candidate, provided)
            if route is not None and (best is None or len(route) < len(best[1])):
                best = (candidate, route)
        if best is None:
            raise PlanningError(
                f"Cannot plan {type_name}.{field_name}: no subgraph reachable from "
                f"{self.model.graph_name(graph)} through a key resolves it")
        return best

    def self_route(self, graph: str, type_name: str, field_name: str, provided: Provided | None) -> Route:
        """The jump back into the same subgraph, by a key it can send, that a @requires field needs."""
        for key in self.model.types[type_name].keys_in(graph):
            if key.resolvable and self.can_fetch(graph, type_name, key.selection, provided):
                return [(graph, key)]
        raise PlanningError(f"Cannot plan {type_name}.{field_name}: its @requires need a key of {type_name} "
                            f"in {self.model.graph_name(graph)}")

    def jumps(self, graph: str, type_name: str, node: FieldNode, provided: Provided | None = None) -> int:
        """How many fields of the selection this subgraph cannot resolve itself."""
        name = node.name.value
        provided = provided_for(provided, type_name)
        if name == "__typename":
            return 0
        if not self.resolvable(graph, type_name, name, provided):
            return 1
        field_model = self.model.types[type_name].fields[name]
        if node.selection_set is None:
            return 0
        child_provided = provided_below(provided, name, field_model.sources.get(graph))
        return sum(self.jumps(graph, runtime, child, child_provided)
                   for runtime in self.concrete(graph, field_model.type_name)
                   for child in self.fragments.collect(runtime, node.selection_set))
