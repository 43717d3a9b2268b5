"""Shaping: the client's response from merged subgraph data. Only the fields the client
asked for, under its aliases and in its order; nulls propagated as the spec says."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    is_abstract_type,
)
from graphql.execution.values import VariableValues, get_directive_values

from router.planning.fragments import defer_key

Path = list[str | int]
# an object type, or an interface answered from an @interfaceObject subgraph
Selectable = GraphQLObjectType | GraphQLInterfaceType


class _Null:
    """Marks a null that must propagate to the nearest nullable parent."""


PROPAGATE = _Null()

# A response path as a linked (parent, key) pair: cheap to extend per value, made a list only
# when an error needs it.
LinkedPath = tuple[Any, str | int] | None


@dataclass(frozen=True, slots=True)
class _Field:
    """One response key of an object type's collected selections, worked out once per request."""

    key: str
    type: GraphQLOutputType | None  # None: __typename or introspection, answered without a type
    nodes: tuple[FieldNode, ...]
    selection_sets: tuple[SelectionSetNode, ...]
    where: str
    scalar: int = 0  # SCALAR / NON_NULL_SCALAR: the raw value is the answer (most fields)
    fragment: int | None = None  # DEFERRED: the deferred fragment's key (DeferredNode.fragment)
    # per runtime type name, the compiled fields of this field's selections (filled while shaping)
    compiled: dict[str, list[_Field]] = dataclasses.field(default_factory=dict, compare=False)


SCALAR, NON_NULL_SCALAR, DENIED = 1, 2, 3  # DENIED: pruned by authorization, answered with an error
DEFERRED = 4  # a fragment delivered in a later part: where it applies is noted, nothing is shaped


@dataclass(frozen=True)
class Pending:
    """A deferred fragment met while shaping, on one object: what its part will shape there."""

    fragment: int
    path: Path
    type: Selectable
    raw: dict
    selection_set: SelectionSetNode


def _scalar_kind(type_: GraphQLOutputType) -> int:
    if isinstance(type_, GraphQLScalarType):
        return SCALAR
    if isinstance(type_, GraphQLNonNull) and isinstance(type_.of_type, GraphQLScalarType):
        return NON_NULL_SCALAR
    return 0


FieldTable = dict[tuple[str, tuple[int, ...]], list[_Field]]


class CompiledOperations:
    """Per operation, the field lists shaping compiles, kept for the next request of the same
    operation (the document cache hands out the same AST). Only for operations whose selections
    are the same for every request: no @skip/@include, no denied field. Holds its operations, so
    the ids in its keys stay theirs; bounded, least recently used out."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._tables: OrderedDict[int, tuple[OperationDefinitionNode, FieldTable]] = OrderedDict()
        self._conditional: dict[int, tuple[OperationDefinitionNode, bool]] = {}

    def table(self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> FieldTable:
        """The shared table of `operation`, or a fresh one when its selections depend on variables."""
        found = self._tables.get(id(operation))
        if found is not None and found[0] is operation:
            self._tables.move_to_end(id(operation))
            return found[1]
        if _conditional(operation.selection_set, fragments, set()):
            return {}
        table: FieldTable = {}
        self._tables[id(operation)] = (operation, table)
        while len(self._tables) > self.size:
            self._tables.popitem(last=False)
        return table


def _conditional(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
                 seen: set[str]) -> bool:
    """Whether any selection below carries a directive (@skip, @include, or any other)."""
    for selection in selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in seen or fragment is None:
                continue
            seen.add(name)
            if fragment.directives or _conditional(fragment.selection_set, fragments, seen):
                return True
        elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None \
                and _conditional(selection.selection_set, fragments, seen):
            return True
    return False


@dataclass
class Shaper:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues  # coerced, in graphql-core's own form (its directive helpers take it)
    errors: list[dict[str, Any]]
    denied: dict[int, str] = dataclasses.field(default_factory=dict)  # id(FieldNode) → UNAUTHORIZED message
    deferred: frozenset[int] = frozenset()  # keys of fragments delivered later (incremental delivery)
    compiled: CompiledOperations | None = None  # shared across requests; None: compiled for this one

    def __post_init__(self) -> None:
        self.pending: list[Pending] = []  # deferred fragments met on objects that stayed non-null
        self.error_paths = {tuple(e["path"]) for e in self.errors if e.get("path")}
        # the same selections on the same type repeat for every object of a list
        self._fields: FieldTable = {}

    def operation(self, operation: OperationDefinitionNode, data: dict[str, Any] | None) -> dict[str, Any] | None:
        root = self.schema.get_root_type(operation.operation)
        assert root is not None
        if self.compiled is not None and not self.denied and not self.deferred:
            self._fields = self.compiled.table(operation, self.fragments)
        result = self.object(root, self.fields(root, (operation.selection_set,)), {} if data is None else data, None)
        return result if isinstance(result, dict) else None

    def object(self, type_: Selectable, fields: list[_Field], data: dict, path: LinkedPath) -> dict | _Null:
        mark = len(self.pending)
        out = self._object(type_, fields, data, path)
        if out is PROPAGATE:
            del self.pending[mark:]  # a nulled object gets no deferred parts
        return out

    def _object(self, type_: Selectable, fields: list[_Field], data: dict, path: LinkedPath) -> dict | _Null:
        out: dict[str, Any] = {}
        for field in fields:
            key = field.key
            if field.scalar == DEFERRED:
                assert field.fragment is not None
                self.pending.append(Pending(field.fragment, _listed(path), type_, data, field.selection_sets[0]))
                continue
            if field.scalar == SCALAR:
                out[key] = data.get(key)
                continue
            if field.type is None:
                out[key] = type_.name if field.where == "__typename" else data.get(key)
                continue
            raw = data.get(key)
            if field.scalar == NON_NULL_SCALAR and raw is not None:
                out[key] = raw
                continue
            if field.scalar == DENIED:
                self._error(_listed((path, key)), self.denied[id(field.nodes[0])], "UNAUTHORIZED")
                if isinstance(field.type, GraphQLNonNull):
                    return PROPAGATE
                out[key] = None
                continue
            value = self.value(field.type, field, raw, (path, key))
            if value is PROPAGATE:
                return PROPAGATE
            out[key] = value
        return out

    def fields(self, type_: Selectable, selection_sets: tuple[SelectionSetNode, ...]) -> list[_Field]:
        cache_key = (type_.name, tuple(map(id, selection_sets)))
        found = self._fields.get(cache_key)
        if found is None:
            found = self._fields[cache_key] = self._compile(type_, selection_sets)
        return found

    def _compile(self, type_: Selectable, selection_sets: tuple[SelectionSetNode, ...]) -> list[_Field]:
        out: list[_Field] = []
        later: list[tuple[int, SelectionSetNode]] = []
        for key, nodes in self.collect(type_, list(selection_sets), later).items():
            name = nodes[0].name.value
            if name.startswith("__"):
                # __typename: the runtime type; other introspection was answered by the router itself
                out.append(_Field(key, None, tuple(nodes), (), "__typename" if name == "__typename" else name))
                continue
            definition = type_.fields.get(name)
            if definition is not None:
                children = tuple(n.selection_set for n in nodes if n.selection_set is not None)
                denied = bool(self.denied) and all(id(node) in self.denied for node in nodes)
                out.append(_Field(key, definition.type, tuple(nodes), children, f"{type_.name}.{name}",
                                  DENIED if denied else _scalar_kind(definition.type)))
        once = {fragment: inner for fragment, inner in later}  # met through several selection sets: once
        out += [_Field("", None, (), (inner,), "defer", DEFERRED, fragment) for fragment, inner in once.items()]
        return out

    def value(self, type_: GraphQLOutputType, field: _Field, raw: Any, path: LinkedPath) -> Any:
        kind = type(type_)  # exact classes first: the common cases, without isinstance's walk
        if kind is GraphQLNonNull or isinstance(type_, GraphQLNonNull):
            value = self.value(type_.of_type, field, raw, path)  # type: ignore[union-attr]
            if value is None:
                self._null_error(path, field.where)
                return PROPAGATE
            return value
        if raw is None or raw is PROPAGATE:
            return None
        if kind is GraphQLObjectType:
            return self._object_value(type_, field, raw, path)  # type: ignore[arg-type]
        if isinstance(type_, GraphQLList):
            return self._list_value(type_, field, raw, path)
        if isinstance(type_, GraphQLScalarType):
            return raw
        if isinstance(type_, GraphQLEnumType):
            return raw if raw in type_.values else self._invalid(path, field.where, f"a value of {type_.name}")
        runtime = self._runtime_type(type_, raw) if isinstance(raw, dict) else None
        if runtime is None:
            expected = "an object" if not isinstance(raw, dict) else f"a known type of {type_.name}"
            return self._invalid(path, field.where, expected)
        return self._object_value(runtime, field, raw, path)

    def _object_value(self, runtime: Selectable, field: _Field, raw: Any, path: LinkedPath) -> dict | None:
        if not isinstance(raw, dict):
            self._invalid(path, field.where, "an object")
            return None
        fields = field.compiled.get(runtime.name)
        if fields is None:
            fields = field.compiled[runtime.name] = self.fields(runtime, field.selection_sets)
        result = self.object(runtime, fields, raw, path)
        return None if result is PROPAGATE else result  # type: ignore[return-value]

    def _list_value(self, type_: GraphQLList, field: _Field, raw: Any, path: LinkedPath) -> list | None:
        """Every item shaped (each error reported); the list is null if one item must propagate."""
        if not isinstance(raw, list):
            self._invalid(path, field.where, "a list")
            return None
        item_type, value = type_.of_type, self.value
        items, propagate, mark = [], False, len(self.pending)
        for i, item in enumerate(raw):
            shaped = value(item_type, field, item, (path, i))
            if shaped is PROPAGATE:
                propagate = True
            items.append(shaped)
        if propagate:
            del self.pending[mark:]  # fragments under a list that became null are never delivered
            return None
        return items

    def _runtime_type(self, type_: Any, raw: dict) -> Selectable | None:
        if not is_abstract_type(type_):
            return type_
        runtime = self.schema.get_type(str(raw.get("__typename")))
        if isinstance(runtime, GraphQLObjectType) and self.schema.is_sub_type(type_, runtime):
            return runtime
        if runtime is type_ and isinstance(type_, GraphQLInterfaceType):
            return type_  # from an @interfaceObject subgraph, asked only for the interface's fields
        return None

    def collect(self, type_: Selectable, selection_sets: list[SelectionSetNode],
                later: list[tuple[int, SelectionSetNode]] | None = None) -> dict[str, list[FieldNode]]:
        """The fields by response key; fragments delivered later go to `later`, not entered."""
        fields: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(type_, selection_set, fields, set(), later if later is not None else [])
        return fields

    def _collect(self, type_: Selectable, selection_set: SelectionSetNode, fields: dict[str, list[FieldNode]],
                 visited: set[str], later: list[tuple[int, SelectionSetNode]]) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                inner = selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                condition, inner = fragment.type_condition.name.value, fragment.selection_set
            else:
                continue
            if condition is not None and not self._applies(condition, type_):
                continue
            if self.deferred and defer_key(selection) in self.deferred:
                later.append((defer_key(selection), inner))
            else:
                self._collect(type_, inner, fields, visited, later)

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def _applies(self, condition: str, type_: Selectable) -> bool:
        conditional = self.schema.get_type(condition)
        if conditional is None:
            return False
        return conditional is type_ or (is_abstract_type(conditional) and self.schema.is_sub_type(conditional, type_))

    def _null_error(self, linked: LinkedPath, where: str) -> None:
        """Unless an error already explains the null: one at this path, above it or below it, or
        one inside the same object below the root (a subgraph that reports an error inside an
        entity nulls the entity, so its other fields come back missing)."""
        path = tuple(_listed(linked))
        parent = path[:-1]
        if not any(path[: len(p)] == p or p[: len(path)] == path or (parent and p[: len(parent)] == parent)
                   for p in self.error_paths):
            self._error(list(path), f"Cannot return null for non-nullable field {where}.")

    def _invalid(self, linked: LinkedPath, where: str, expected: str) -> None:
        self._error(_listed(linked), f"Subgraph returned an invalid value for {where}: expected {expected}.")
        return None

    def _error(self, path: Path, message: str, code: str | None = None) -> None:
        error: dict[str, Any] = {"message": message, "path": list(path)}
        if code:
            error["extensions"] = {"code": code}
        self.errors.append(error)
        self.error_paths.add(tuple(path))


def _listed(path: LinkedPath) -> Path:
    keys: Path = []
    while path is not None:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys
