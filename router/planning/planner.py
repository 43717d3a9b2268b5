"""The query planner: walks an operation from the root and splits it into fetches.

Fields the current subgraph can resolve (including what @provides makes local at this path)
stay in its fetch; the rest jump through a key the current subgraph can supply to a subgraph
that can resolve them, adding the key (and @requires) fields to the parent fetch. Abstract
selections are split by the runtime types each subgraph knows."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
    is_composite_type,
    print_ast,
)

from router.planning.build import to_node
from router.planning.groups import FetchGroup
from router.planning.plan import (
    QueryPlan,
    RepresentationField,
)
from router.planning.selections import RENAMED_MARK, FieldSelection, SelectionTree
from router.supergraph.model import Key, SupergraphModel

Provided = dict[str, "Provided"]
MAX_HOPS = 4


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph."""


class QueryPlanner:
    def __init__(self, supergraph: SupergraphModel) -> None:
        self.supergraph = supergraph

    def plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            raise PlanningError(f"Unknown operation {operation_name!r}" if operation_name else "No operation to plan")
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        return _Planning(self.supergraph, operation, fragments).run()


class _Planning:
    def __init__(self, supergraph: SupergraphModel, operation: OperationDefinitionNode,
                 fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.model = supergraph
        self.schema = supergraph.schema
        self.operation = operation
        self.fragments = fragments
        self.groups: list[FetchGroup] = []
        self.roots: list[FetchGroup] = []
        self.touched: list[set[int]] = []
        self.condition: tuple[str, bool] | None = None
        # per response path below an entity: the subgraphs that could all resolve it
        self.alternatives: dict[tuple[str, ...], frozenset[str]] = {}

    # -- entry ---------------------------------------------------------------------------------

    def run(self) -> QueryPlan:
        root = self.schema.get_root_type(self.operation.operation)
        if root is None:
            raise PlanningError(f"The supergraph has no {self.operation.operation.value} type")
        mutation = self.operation.operation is OperationType.MUTATION
        for node in self.collect(root.name, self.operation.selection_set):
            if node.name.value.startswith("__"):
                continue  # introspection and __typename are answered by the router
            self.condition = None if mutation else _variable_condition(node)
            for graph, part in self.split_root(root.name, node):
                group = self.root_group(graph, sequential=mutation)
                self.plan_field(group, group.tree, root.name, part, ())
        self.condition = None
        return QueryPlan(to_node(self.model, self.operation, self.groups, self.roots, mutation))

    def root_group(self, graph: str, sequential: bool) -> FetchGroup:
        if sequential:
            if self.roots and self.roots[-1].graph == graph:
                return self.roots[-1]
        else:
            for group in self.roots:
                if group.graph == graph and group.condition == self.condition:
                    return group
        group = self.new_group(graph, (), None)
        self.roots.append(group)
        return group

    def new_group(self, graph: str, path: tuple[str, ...], parent: FetchGroup | None) -> FetchGroup:
        group = FetchGroup(len(self.groups), graph, path, parent, condition=self.condition)
        self.groups.append(group)
        return group

    # -- selections ----------------------------------------------------------------------------

    def collect(self, type_name: str, selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
        """The fields selected on an object type, through every fragment that applies to it."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    raise PlanningError(f"Unknown fragment {selection.name.value}")
                condition, inner = fragment.type_condition.name.value, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition = selection.type_condition.name.value if selection.type_condition else type_name
                inner = selection.selection_set
            if self.applies(condition, type_name):
                yield from self.collect(type_name, inner)

    def applies(self, condition: str, type_name: str) -> bool:
        if condition == type_name:
            return True
        abstract, concrete = self.schema.get_type(condition), self.schema.get_type(type_name)
        if abstract is None or concrete is None or not hasattr(abstract, "fields") and not hasattr(abstract, "types"):
            return False
        try:
            return self.schema.is_sub_type(abstract, concrete)  # type: ignore[arg-type]
        except TypeError:
            return False

    def plan_selection_set(self, group: FetchGroup, target: SelectionTree, type_name: str,
                           selection_set: SelectionSetNode | None, path: tuple[str, ...],
                           provided: Provided | None, internal: bool = False) -> list[RepresentationField]:
        kind = self.model.types[type_name].kind
        if kind == "object":
            provided = _provided_for(provided, type_name)
        if kind == "interface" and group.graph in self.model.types[type_name].interface_object_graphs:
            return self.plan_interface_object(group, target, type_name, selection_set, path, provided, internal)
        if kind == "interface" and not self.runtime_types(group.graph, type_name):
            # an entity interface with no implementation in this subgraph: its own fields only
            target.add_field("__typename")
            return [rep for node in self.collect(type_name, selection_set)
                    for rep in [self.plan_field(group, target, type_name, node, path, provided, internal)] if rep]
        if kind in ("interface", "union"):
            target.add_field("__typename")
            reps: list[RepresentationField] = []
            for runtime in self.safe_runtime_types(group.graph, type_name, path):
                reps += self.plan_selection_set(group, target.fragment(runtime), runtime, selection_set,
                                                path, provided, internal)
            self.alias_type_conflicts(group.graph, target)
            return reps
        return [rep for node in self.collect(type_name, selection_set)
                for rep in [self.plan_field(group, target, type_name, node, path, provided, internal)] if rep]

    def plan_interface_object(self, group: FetchGroup, target: SelectionTree, interface: str,
                              selection_set: SelectionSetNode | None, path: tuple[str, ...],
                              provided: Provided | None, internal: bool) -> list[RepresentationField]:
        """In an @interfaceObject subgraph only the interface is known: its own fields stay here;
        the real __typename and fragments on concrete types come from a subgraph where the
        interface is a real entity interface."""
        target.add_field("__typename")
        local, remote = self._split_interface_object(interface, selection_set)
        reps = [rep for node in local
                for rep in [self.plan_field(group, target, interface, node, path, provided, internal)] if rep]
        if not remote:
            return reps  # no concrete type asked for: the interface's own fields answer it
        real = [k.graph for k in self.model.types[interface].keys
                if k.resolvable and k.graph not in self.model.types[interface].interface_object_graphs]
        for graph in dict.fromkeys(real):
            route = self.route(group.graph, interface, graph, provided)
            if route is None:
                continue
            child, child_target = self.entity_target(group, target, interface, path, route, provided)
            typename = FieldNode(name=NameNode(value="__typename"))
            self.plan_selection_set(child, child_target, interface,
                                    SelectionSetNode(selections=(typename, *remote)), path, None, internal)
            break
        return reps

    def _split_interface_object(self, interface: str, selection_set: SelectionSetNode | None
                                ) -> tuple[list[FieldNode], list]:
        local: list[FieldNode] = []
        remote: list = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                (remote if selection.name.value == "__typename" else local).append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition.name.value, fragment.selection_set
            else:
                condition = selection.type_condition.name.value if selection.type_condition else interface
                inner = selection.selection_set
            if condition == interface:
                more_local, more_remote = self._split_interface_object(interface, inner)
                local += more_local
                remote += more_remote
            else:
                remote.append(selection)
        return local, remote

    def alias_type_conflicts(self, graph: str, target: SelectionTree) -> None:
        """Sibling fragments may not return one response key with different types (the subgraph
        would reject the query, e.g. `ID` on one type and `ID!` on another): later ones get an
        alias that the executor strips again (RENAMED_MARK)."""
        seen: dict[str, str] = {}
        for runtime, tree in target.fragments.items():
            for key, selection in tree.fields.items():
                field_model = self.model.types[runtime].fields.get(selection.name)
                if field_model is None:
                    continue
                source = field_model.sources.get(graph)
                signature = (source.type_ref if source is not None and source.type_ref else None) or field_model.type_ref
                first = seen.setdefault(key, signature)
                if first != signature and RENAMED_MARK not in (selection.alias or ""):
                    selection.alias = f"{key}{RENAMED_MARK}{len(seen)}"

    def note_alternatives(self, parent: str, resolving: list[str], path: tuple[str, ...],
                          child_path: tuple[str, ...]) -> None:
        """A path from an entity through shareable fields could be resolved by any subgraph
        that resolves all of it: record those subgraphs for the abstract types below."""
        if self.model.types[parent].is_entity:
            graphs = frozenset(g for g in resolving if any(k.resolvable for k in self.model.types[parent].keys_in(g)))
        elif path in self.alternatives:
            graphs = self.alternatives[path] & frozenset(resolving)
        else:
            return
        self.alternatives[child_path] = graphs

    def safe_runtime_types(self, graph: str, abstract: str, path: tuple[str, ...]) -> list[str]:
        """Where several subgraphs could resolve the path, only the members they all share are
        safe to select (the federation audit's partial-union rule)."""
        types = self.runtime_types(graph, abstract)
        others = self.alternatives.get(path, frozenset())
        if graph not in others or len(others) < 2:
            return types
        return [t for t in types if all(t in self.model.types[abstract].members.get(g, set()) for g in others)]

    def runtime_types(self, graph: str, abstract: str) -> list[str]:
        """The object types a subgraph may return for an interface or union, in schema order."""
        members = self.model.types[abstract].members.get(graph, set())
        return [name for name in self.model.types if name in members]

    # -- fields --------------------------------------------------------------------------------

    def plan_field(self, group: FetchGroup, target: SelectionTree, type_name: str, node: FieldNode,
                   path: tuple[str, ...], provided: Provided | None = None,
                   internal: bool = False) -> RepresentationField | None:
        """Fetches made for a field under @include/@skip on a variable run only when it applies."""
        outer = self.condition
        if outer is None and not internal:
            self.condition = _variable_condition(node)
        try:
            return self._plan_field(group, target, type_name, node, path, provided, internal)
        finally:
            self.condition = outer

    def _plan_field(self, group: FetchGroup, target: SelectionTree, type_name: str, node: FieldNode,
                    path: tuple[str, ...], provided: Provided | None, internal: bool) -> RepresentationField | None:
        name = node.name.value
        if name == "__typename":
            target.add_field("__typename", None if internal else _alias(node))
            return RepresentationField("__typename") if internal else None
        if name not in self.model.types[type_name].fields:
            raise PlanningError(f"{type_name}.{name} is not in the supergraph")
        source = self.model.types[type_name].fields[name].sources.get(group.graph)
        needs_requires = source is not None and source.resolves and source.requires is not None
        if self.resolvable(group.graph, type_name, name, provided) and not needs_requires:
            return self.add_local(group, target, type_name, node, path, provided, internal)
        if not needs_requires and not self.model.types[type_name].fields[name].resolving_graphs():
            return self.via_interface_object(group, target, type_name, node, path, provided, internal)
        if needs_requires:
            # a subgraph sees @requires fields only in a representation: back into it via a key
            destination, route = group.graph, self.self_route(group.graph, type_name, name, provided)
        else:
            try:
                destination, route = self.destination(group.graph, type_name, name, provided)
            except PlanningError:
                return self.via_gathered_key(group, target, type_name, node, path, provided, internal)
        requires = self.model.types[type_name].fields[name].sources[destination].requires
        suppliers, required = self.plan_requires(group, target, type_name, requires, path, provided)
        child, child_target = self.entity_target(group, target, type_name, path, route, provided,
                                                 avoid=suppliers, required=required)
        return self.add_local(child, child_target, type_name, node, path, None, internal)

    def add_local(self, group: FetchGroup, target: SelectionTree, type_name: str, node: FieldNode,
                  path: tuple[str, ...], provided: Provided | None, internal: bool) -> RepresentationField | None:
        for touched in self.touched:
            touched.add(group.id)
        name = node.name.value
        field_model = self.model.types[type_name].fields[name]
        composite = is_composite_type(self.schema.get_type(field_model.type_name))
        if composite and not internal and group.graph in self.model.types[type_name].graphs:
            node = self.split_unreachable(group, target, type_name, node, path, provided)
        arguments = tuple(node.arguments or ())
        alias = _alias(node) if not internal else None
        if internal:
            alias = _free_alias(target, name, arguments)
        selection = target.add_field(name, alias, arguments, () if internal else tuple(node.directives or ()), composite)
        if not composite:
            return RepresentationField(name, None, alias) if internal else None
        source = field_model.sources.get(group.graph)
        child_provided = provided.get(name) if provided is not None and name in provided else (
            _provided_tree(source.provides) if source is not None and source.provides is not None else None)
        child_path = path + (selection.response_key,) + ("@",) * _list_depth(self.schema, type_name, name)
        assert selection.children is not None
        child_type = (source.type_name if source is not None and source.type_name else None) or field_model.type_name
        if child_type != field_model.type_name:
            selection.children.add_field("__typename")  # the client's type is wider: shaping needs the real one
        self.note_alternatives(type_name, field_model.resolving_graphs(), path, child_path)
        reps = self.plan_selection_set(group, selection.children, child_type, node.selection_set,
                                       child_path, child_provided, internal)
        return RepresentationField(name, tuple(reps), alias) if internal else None

    def via_gathered_key(self, group: FetchGroup, target: SelectionTree, type_name: str, node: FieldNode,
                         path: tuple[str, ...], provided: Provided | None,
                         internal: bool) -> RepresentationField | None:
        """No subgraph holds a whole key: gather its fields from several (each through its own
        jump, like @requires), then make the entity fetch with them."""
        name = node.name.value
        for graph in self.model.types[type_name].fields[name].resolving_graphs():
            for key in self.model.types[type_name].keys_in(graph):
                if not key.resolvable or not self.plannable(group.graph, type_name, key.selection, provided):
                    continue
                target.add_field("__typename")
                suppliers, reps = self.plan_requires(group, target, type_name, key.selection, path, provided)
                more, required = self.plan_requires(group, target, type_name,
                                                    self.model.types[type_name].fields[name].sources[graph].requires,
                                                    path, provided)
                child = self.child_group(group, graph, path, type_name, suppliers | more, reps + required)
                _merge_reps(child.representations.setdefault(type_name, [RepresentationField("__typename")]),
                            reps + required)
                child.depends_on |= {g for g in suppliers | more if g not in (group.id, child.id)}
                return self.add_local(child, child.tree.fragment(type_name), type_name, node, path, None, internal)
        raise PlanningError(f"Cannot plan {type_name}.{name}: no subgraph reachable from "
                            f"{self.model.graph_name(group.graph)} through a key resolves it")

    def plannable(self, graph: str, type_name: str, selection_set: SelectionSetNode | None,
                  provided: Provided | None) -> bool:
        """Each field is local, or one key jump away."""
        provided = _provided_for(provided, type_name)
        for node in self.collect(type_name, selection_set):
            name = node.name.value
            if self.resolvable(graph, type_name, name, provided):
                if node.selection_set is not None and name != "__typename":
                    child_type = self.model.types[type_name].fields[name].type_name
                    child_provided = provided.get(name) if provided and name in provided else None
                    if not all(self.plannable(graph, t, node.selection_set, child_provided)
                               for t in self._concrete(graph, child_type)):
                        return False
                continue
            if name not in self.model.types[type_name].fields or not any(
                    self.route(graph, type_name, g, provided)
                    for g in self.model.types[type_name].fields[name].resolving_graphs()):
                return False
        return True

    def via_interface_object(self, group: FetchGroup, target: SelectionTree, type_name: str, node: FieldNode,
                             path: tuple[str, ...], provided: Provided | None,
                             internal: bool) -> RepresentationField | None:
        """A field an object gets from an interface it implements, resolved by an @interfaceObject
        subgraph: the representation names the interface, not the object type."""
        name = node.name.value
        for interface in self.schema.get_type(type_name).interfaces:  # type: ignore[union-attr]
            model = self.model.types.get(interface.name)
            if model is None or name not in model.fields:
                continue
            for graph in model.fields[name].resolving_graphs():
                if graph not in model.interface_object_graphs:
                    continue
                for key in model.keys_in(graph):
                    if not (key.resolvable and self.can_fetch(group.graph, type_name, key.selection, provided)):
                        continue
                    target.add_field("__typename")
                    reps = self.plan_selection_set(group, target, type_name, key.selection, path, provided, internal=True)
                    suppliers, required = self.plan_requires(group, target, type_name,
                                                             model.fields[name].sources[graph].requires, path, provided)
                    child = self.child_group(group, graph, path, type_name, suppliers, required)
                    into = child.representations.setdefault(
                        type_name, [RepresentationField("__typename", value=interface.name)])
                    _merge_reps(into, reps + required)
                    child.depends_on |= {g for g in suppliers if g not in (group.id, child.id)}
                    return self.add_local(child, child.tree.fragment(interface.name), interface.name, node, path,
                                          None, internal)
        raise PlanningError(f"Cannot plan {type_name}.{name}: no subgraph resolves it")

    def split_unreachable(self, group: FetchGroup, target: SelectionTree, type_name: str, node: FieldNode,
                          path: tuple[str, ...], provided: Provided | None) -> FieldNode:
        """Children no key can reach from here (their object has no key in the subgraphs that
        resolve them) are fetched with the whole field from another subgraph, through the
        parent entity. Returns the field with what stays here."""
        field_model = self.model.types[type_name].fields[node.name.value]
        child_type = field_model.type_name
        if self.model.types[child_type].kind != "object" or node.selection_set is None:
            return node
        source = field_model.sources.get(group.graph)
        child_provided = provided.get(node.name.value) if provided and node.name.value in provided else (
            _provided_tree(source.provides) if source and source.provides else None)
        stuck = [c for c in self.collect(child_type, node.selection_set)
                 if not self.reachable(group.graph, child_type, c.name.value, child_provided)]
        if not stuck:
            return node
        part = _with_selections(node, stuck)
        others = [g for g in field_model.resolving_graphs() if g != group.graph
                  and all(self.reachable(g, child_type, c.name.value, None) for c in stuck)]
        for other in sorted(others, key=lambda g: self.jumps(g, type_name, part)):
            route = self.route(group.graph, type_name, other, self.at_root(group, type_name, path, provided))
            if route is None:
                continue
            child, child_target = self.entity_target(group, target, type_name, path, route, provided)
            self.add_local(child, child_target, type_name, part, path, None, False)
            kept = [s for s in node.selection_set.selections if not (isinstance(s, FieldNode) and s in stuck)]
            return _with_selections(node, kept or [FieldNode(name=NameNode(value="__typename"))])
        return node

    def reachable(self, graph: str, type_name: str, field_name: str, provided: Provided | None) -> bool:
        """Resolvable here, or through a key this subgraph can send."""
        return self.resolvable(graph, type_name, field_name, provided) or any(
            self.route(graph, type_name, g, provided)
            for g in self.model.types[type_name].fields[field_name].resolving_graphs())

    def resolvable(self, graph: str, type_name: str, field_name: str, provided: Provided | None) -> bool:
        if field_name == "__typename":
            return True
        field_model = self.model.types[type_name].fields.get(field_name)
        if field_model is None:
            return False
        source = field_model.sources.get(graph)
        if source is not None and source.resolves:
            return True
        return provided is not None and field_name in provided

    def can_fetch(self, graph: str, type_name: str, selection_set: SelectionSetNode | None,
                  provided: Provided | None) -> bool:
        provided = _provided_for(provided, type_name)
        for node in self.collect(type_name, selection_set):
            name = node.name.value
            if not self.resolvable(graph, type_name, name, provided):
                return False
            if node.selection_set is not None and name != "__typename":
                child_type = self.model.types[type_name].fields[name].type_name
                child_provided = provided.get(name) if provided and name in provided else None
                for runtime in self._concrete(graph, child_type):
                    if not self.can_fetch(graph, runtime, node.selection_set, child_provided):
                        return False
        return True

    def _concrete(self, graph: str, type_name: str) -> list[str]:
        if self.model.types[type_name].kind in ("interface", "union"):
            return self.runtime_types(graph, type_name) or [type_name]
        return [type_name]

    # -- entity jumps --------------------------------------------------------------------------

    def destination(self, graph: str, type_name: str, field_name: str,
                    provided: Provided | None) -> tuple[str, list[tuple[str, Key]]]:
        candidates = self.model.types[type_name].fields[field_name].resolving_graphs()
        best: tuple[str, list[tuple[str, Key]]] | None = None
        for candidate in candidates:
            route = self.route(graph, type_name, candidate, provided)
            if route is not None and (best is None or len(route) < len(best[1])):
                best = (candidate, route)
        if best is None:
            raise PlanningError(
                f"Cannot plan {type_name}.{field_name}: no subgraph reachable from "
                f"{self.model.graph_name(graph)} through a key resolves it")
        return best

    def self_route(self, graph: str, type_name: str, field_name: str,
                   provided: Provided | None) -> list[tuple[str, Key]]:
        for key in self.model.types[type_name].keys_in(graph):
            if key.resolvable and self.can_fetch(graph, type_name, key.selection, provided):
                return [(graph, key)]
        raise PlanningError(f"Cannot plan {type_name}.{field_name}: its @requires need a key of {type_name} "
                            f"in {self.model.graph_name(graph)}")

    def route(self, start: str, type_name: str, goal: str, provided: Provided | None) -> list[tuple[str, Key]] | None:
        """Shortest chain of key jumps from `start` to `goal` for entities of `type_name`."""
        queue: deque[tuple[str, list[tuple[str, Key]]]] = deque([(start, [])])
        seen = {start}
        while queue:
            graph, hops = queue.popleft()
            if graph == goal and hops:
                return hops
            if len(hops) >= MAX_HOPS:
                continue
            for key in self.model.types[type_name].keys:
                if not key.resolvable or key.graph in seen and key.graph != goal or key.graph == graph:
                    continue
                here = provided if graph == start else self.with_own_keys(graph, type_name, None)
                if self.can_fetch(graph, type_name, key.selection, here):
                    if key.graph == goal:
                        return [*hops, (key.graph, key)]
                    seen.add(key.graph)
                    queue.append((key.graph, [*hops, (key.graph, key)]))
        return None

    def at_root(self, group: FetchGroup, type_name: str, path: tuple[str, ...],
                provided: Provided | None) -> Provided | None:
        """At the root of an entity fetch the entity's own key fields are available too."""
        if group.is_entity and group.path == path and type_name in group.representations:
            return self.with_own_keys(group.graph, type_name, provided)
        return provided

    def with_own_keys(self, graph: str, type_name: str, provided: Provided | None) -> Provided | None:
        """A subgraph can send the fields of its own keys for its entities, even ones it marks
        @external (they come with the representation)."""
        own: Provided = {}
        for key in self.model.types[type_name].keys_in(graph):
            for name, sub in _provided_tree(key.selection).items():
                own.setdefault(name, {}).update(sub)
        if not own:
            return provided
        return {**own, **(provided or {})}

    def entity_target(self, group: FetchGroup, target: SelectionTree, type_name: str, path: tuple[str, ...],
                      route: list[tuple[str, Key]], provided: Provided | None, avoid: frozenset[int] = frozenset(),
                      required: list[RepresentationField] | None = None) -> tuple[FetchGroup, SelectionTree]:
        """Adds each hop's key to the fetch before it; the last hop's fetch is neither one that
        supplies the @requires (`avoid`) nor one whose representations conflict with them."""
        current, current_target, current_provided = group, target, self.at_root(group, type_name, path, provided)
        for hop, (graph, key) in enumerate(route):
            last = hop == len(route) - 1
            current_target.add_field("__typename")
            # key fields are fields of the type itself: never split by runtime type
            reps = [rep for node in self.collect(type_name, key.selection)
                    for rep in [self.plan_field(current, current_target, type_name, node, path,
                                                current_provided, internal=True)] if rep]
            child = self.child_group(current, graph, path, type_name, avoid if last else frozenset(),
                                     required if last else None)
            into = child.representations.setdefault(type_name, [RepresentationField("__typename")])
            _merge_reps(into, reps)
            if last and required:
                _merge_reps(into, required)
                child.depends_on |= {g for g in avoid if g not in (group.id, child.id)}
            current, current_target = child, child.tree.fragment(type_name)
            current_provided = self.with_own_keys(child.graph, type_name, None)
        return current, current_target

    def child_group(self, parent: FetchGroup, graph: str, path: tuple[str, ...], type_name: str = "",
                    avoid: frozenset[int] = frozenset(),
                    required: list[RepresentationField] | None = None) -> FetchGroup:
        """Fields for the same subgraph at the same path share one fetch, unless that fetch is
        in `avoid` or already carries a representation field that `required` conflicts with."""
        n = 0
        while True:
            key = (graph, path + (f"?{self.condition}",) if self.condition else path)
            key = key if n == 0 else (graph, key[1] + (f"#{n}",))
            child = parent.children.get(key)
            if child is None:
                child = parent.children[key] = self.new_group(graph, path, parent)
                return child
            if child.id not in avoid and not _conflicting(child.representations.get(type_name, []), required or []):
                return child
            n += 1

    def plan_requires(self, group: FetchGroup, target: SelectionTree, type_name: str,
                      requires: SelectionSetNode | None, path: tuple[str, ...],
                      provided: Provided | None) -> tuple[frozenset[int], list[RepresentationField]]:
        """Plans @requires fields from the parent fetch; returns the fetches that supply them."""
        if requires is None:
            return frozenset(), []
        self.touched.append(set())
        try:
            reps = self.plan_selection_set(group, target, type_name, requires, path, provided, internal=True)
        finally:
            suppliers = self.touched.pop()
        return frozenset(suppliers), reps

    def split_root(self, root: str, node: FieldNode) -> list[tuple[str, FieldNode]]:
        """A shared root field over a type with no keys cannot jump between subgraphs: ask each
        subgraph for the part of the selection it resolves, and merge the answers at the root."""
        best = self.root_graph(root, node)
        field_model = self.model.types[root].fields[node.name.value]
        returned = self.model.types[field_model.type_name]
        if node.selection_set is None or returned.kind != "object" or returned.is_entity \
                or self.jumps(best, root, node) == 0:
            return [(best, node)]
        candidates = [best] + [g for g in field_model.resolving_graphs() if g != best]
        parts: dict[str, list[FieldNode]] = {}
        for child in self.collect(returned.name, node.selection_set):
            graph = next((g for g in candidates if self.jumps(g, returned.name, child) == 0), best)
            parts.setdefault(graph, []).append(child)
        return [(graph, FieldNode(name=node.name, alias=node.alias, arguments=node.arguments,
                                  directives=node.directives, selection_set=SelectionSetNode(selections=tuple(children))))
                for graph, children in parts.items()]

    def root_graph(self, root: str, node: FieldNode) -> str:
        """Among subgraphs resolving a root field, the one that needs the fewest jumps below it."""
        candidates = self.model.types[root].fields[node.name.value].resolving_graphs()
        if not candidates:
            raise PlanningError(f"No subgraph resolves {root}.{node.name.value}")
        used = {g.graph for g in self.roots}
        return min(candidates, key=lambda g: (self.jumps(g, root, node), g not in used, candidates.index(g)))

    def jumps(self, graph: str, type_name: str, node: FieldNode, provided: Provided | None = None) -> int:
        name = node.name.value
        provided = _provided_for(provided, type_name)
        if name == "__typename":
            return 0
        if not self.resolvable(graph, type_name, name, provided):
            return 1
        field_model = self.model.types[type_name].fields[name]
        if node.selection_set is None:
            return 0
        source = field_model.sources.get(graph)
        child_provided = provided.get(name) if provided is not None and name in provided else (
            _provided_tree(source.provides) if source and source.provides else None)
        return sum(self.jumps(graph, runtime, child, child_provided)
                   for runtime in self._concrete(graph, field_model.type_name)
                   for child in self.collect(runtime, node.selection_set))


def _variable_condition(node: FieldNode) -> tuple[str, bool] | None:
    """@include(if: $v) → (v, True); @skip(if: $v) → (v, False); literals need no plan node."""
    for directive in node.directives or ():
        if directive.name.value in ("include", "skip") and directive.arguments:
            value = directive.arguments[0].value
            if isinstance(value, VariableNode):
                return value.name.value, directive.name.value == "include"
    return None


def _with_selections(node: FieldNode, selections: list) -> FieldNode:
    return FieldNode(name=node.name, alias=node.alias, arguments=node.arguments, directives=node.directives,
                     selection_set=SelectionSetNode(selections=tuple(selections)))


def _alias(node: FieldNode) -> str | None:
    return node.alias.value if node.alias else None


def _free_alias(target: SelectionTree, name: str, arguments: tuple) -> str | None:
    """Internal fields keep their name unless the client used it for something else; with
    arguments they always get their own key, so a client's same field with other arguments
    never lands on it."""
    existing = target.fields.get(name)
    if not arguments and (existing is None or (existing.name == name and _same_args(existing, arguments))):
        return None
    n = 0
    while True:
        alias = f"_graft_{name}_{n}"
        found = target.fields.get(alias)
        if found is None or (found.name == name and _same_args(found, arguments)):
            return alias
        n += 1


def _same_args(selection: FieldSelection, arguments: tuple) -> bool:
    return [print_ast(a) for a in selection.arguments] == [print_ast(a) for a in arguments]


def _conflicting(existing: list[RepresentationField], new: list[RepresentationField]) -> bool:
    """The same representation field read from different response keys (other arguments)."""
    sources = {r.name: r.source for r in existing}
    return any(r.name in sources and sources[r.name] != r.source for r in new)


def _merge_reps(into: list[RepresentationField], new: list[RepresentationField]) -> None:
    for rep in new:
        found = next((i for i, r in enumerate(into) if r.name == rep.name and r.source == rep.source), None)
        if found is None:
            into.append(rep)
        elif rep.children is not None:
            merged = list(into[found].children or ())
            _merge_reps(merged, list(rep.children))
            into[found] = RepresentationField(rep.name, tuple(merged), rep.source)


def _provided_tree(selection_set: SelectionSetNode | None) -> Provided:
    """Fields @provides makes local; fragments kept as "...Type" entries so they apply only there."""
    tree: Provided = {}
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            tree.setdefault(selection.name.value, {}).update(_provided_tree(selection.selection_set))
        elif isinstance(selection, InlineFragmentNode):
            key = f"...{selection.type_condition.name.value}" if selection.type_condition else None
            into = tree.setdefault(key, {}) if key else tree
            into.update(_provided_tree(selection.selection_set))
    return tree


def _provided_for(provided: Provided | None, type_name: str) -> Provided | None:
    if provided is None:
        return None
    fields = {k: v for k, v in provided.items() if not k.startswith("...")}
    return {**fields, **provided.get(f"...{type_name}", {})}


def _list_depth(schema, type_name: str, field_name: str) -> int:
    graphql_type = schema.get_type(type_name).fields[field_name].type
    depth = 0
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        depth += isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return depth

