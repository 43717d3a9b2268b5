"""Shaping: the client's response from merged subgraph data. Only the fields the client
asked for, under its aliases and in its order; nulls propagated as the spec says."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.values import get_directive_values

Path = list[str | int]


class _Null:
    """Marks a null that must propagate to the nearest nullable parent."""


PROPAGATE = _Null()


@dataclass
class Shaper:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    errors: list[dict[str, Any]]
    denied: dict[int, str] = field(default_factory=dict)  # id(FieldNode) → UNAUTHORIZED message

    def __post_init__(self) -> None:
        self.error_paths = {tuple(e["path"]) for e in self.errors if e.get("path")}

    def operation(self, operation: OperationDefinitionNode, data: dict[str, Any] | None) -> dict[str, Any] | None:
        root = self.schema.get_root_type(operation.operation)
        assert root is not None
        result = self.object(root, [operation.selection_set], data or {}, [])
        return None if result is PROPAGATE else result

    def object(self, type_: GraphQLObjectType, selection_sets: list[SelectionSetNode], data: dict,
               path: Path) -> dict | _Null:
        out: dict[str, Any] = {}
        for key, nodes in self.collect(type_, selection_sets).items():
            name = nodes[0].name.value
            if name == "__typename":
                out[key] = type_.name
                continue
            if name.startswith("__"):
                out[key] = data.get(key)  # introspection, answered by the router itself
                continue
            definition = type_.fields.get(name)
            if definition is None:
                continue
            if self.denied and all(id(node) in self.denied for node in nodes):
                self._error([*path, key], self.denied[id(nodes[0])], "UNAUTHORIZED")
                if isinstance(definition.type, GraphQLNonNull):
                    return PROPAGATE
                out[key] = None
                continue
            value = self.value(definition.type, nodes, data.get(key), [*path, key], f"{type_.name}.{name}")
            if value is PROPAGATE:
                return PROPAGATE
            out[key] = value
        return out

    def value(self, type_: GraphQLOutputType, nodes: list[FieldNode], raw: Any, path: Path, where: str) -> Any:
        if isinstance(type_, GraphQLNonNull):
            value = self.value(type_.of_type, nodes, raw, path, where)
            if value is None:
                self._null_error(path, where)
                return PROPAGATE
            return value
        if raw is None or raw is PROPAGATE:
            return None
        if isinstance(type_, GraphQLList):
            if not isinstance(raw, list):
                return self._invalid(path, where, "a list")
            items = [self.value(type_.of_type, nodes, item, [*path, i], where) for i, item in enumerate(raw)]
            return None if any(item is PROPAGATE for item in items) else items
        if is_leaf_type(type_):
            if isinstance(type_, GraphQLEnumType) and raw not in type_.values:
                return self._invalid(path, where, f"a value of {type_.name}")
            return raw
        if not isinstance(raw, dict):
            return self._invalid(path, where, "an object")
        runtime = self._runtime_type(type_, raw)
        if runtime is None:
            return self._invalid(path, where, f"a known type of {type_.name}")  # type: ignore[union-attr]
        selection_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        result = self.object(runtime, selection_sets, raw, path)
        return None if result is PROPAGATE else result

    def _runtime_type(self, type_: Any, raw: dict) -> GraphQLObjectType | None:
        if not is_abstract_type(type_):
            return type_
        runtime = self.schema.get_type(str(raw.get("__typename")))
        if isinstance(runtime, GraphQLObjectType) and self.schema.is_sub_type(type_, runtime):
            return runtime
        if runtime is type_ and isinstance(type_, GraphQLInterfaceType):
            return type_  # from an @interfaceObject subgraph, asked only for the interface's fields
        return None

    def collect(self, type_: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(type_, selection_set, fields, set())
        return fields

    def _collect(self, type_: GraphQLObjectType, selection_set: SelectionSetNode,
                 fields: dict[str, list[FieldNode]], visited: set[str]) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if selection.type_condition is None or self._applies(selection.type_condition.name.value, type_):
                    self._collect(type_, selection.selection_set, fields, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, type_):
                    self._collect(type_, fragment.selection_set, fields, visited)

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        conditional = self.schema.get_type(condition)
        if conditional is None:
            return False
        return conditional is type_ or (is_abstract_type(conditional) and self.schema.is_sub_type(conditional, type_))

    def _null_error(self, path: Path, where: str) -> None:
        if not any(tuple(path[: len(p)]) == p or p[: len(path)] == tuple(path) for p in self.error_paths):
            self._error(path, f"Cannot return null for non-nullable field {where}.")

    def _invalid(self, path: Path, where: str, expected: str) -> None:
        self._error(path, f"Subgraph returned an invalid value for {where}: expected {expected}.")
        return None

    def _error(self, path: Path, message: str, code: str | None = None) -> None:
        error: dict[str, Any] = {"message": message, "path": list(path)}
        if code:
            error["extensions"] = {"code": code}
        self.errors.append(error)
        self.error_paths.add(tuple(path))
