"""Demand control: an operation's estimated cost, the way Apollo's router estimates it.

A field costs its weight (its own @cost, else its type's @cost, else 1 for an object, interface
or union and 0 for a scalar or enum) plus its selections, times the list size when it returns a
list, plus the @cost of the arguments it is given. Root mutation fields cost 10 more each.
List size: the largest slicing argument given (or defaulted), else @listSize(assumedSize:), else
the configured default; `sizedFields` hands the size to those child fields instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    value_from_ast,
)
from graphql.pyutils import Undefined
from graphql.type import TypeMetaFieldDef, TypeNameMetaFieldDef

from router.supergraph.cost import CostDirectives, ListSize

MUTATION_ROOT_COST = 10
INTROSPECTION = {"__schema", "__type", "__typename"}


class SlicingArgumentError(GraphQLError):
    """@listSize(requireOneSlicingArgument: true) and the operation gives none or several."""


@dataclass(frozen=True)
class _Walk:
    schema: GraphQLSchema
    directives: CostDirectives
    default_list_size: int
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]


def estimate_cost(schema: GraphQLSchema, directives: CostDirectives, operation: OperationDefinitionNode,
                  fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any] | None,
                  default_list_size: int = 10) -> int:
    """The operation's estimated cost; raises SlicingArgumentError for a missing slicing argument."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walk = _Walk(schema, directives, default_list_size, fragments, variables or {})
    extra = MUTATION_ROOT_COST if operation.operation is OperationType.MUTATION else 0
    return _selections(walk, root, operation.selection_set, {}, (), extra)


def _selections(walk: _Walk, parent: GraphQLCompositeType, selection_set: SelectionSetNode,
                sized: Mapping[str, int], spreads: tuple[str, ...], root_extra: int = 0) -> int:
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value not in INTROSPECTION:
                total += _field(walk, parent, selection, sized, spreads) + root_extra
        elif isinstance(selection, InlineFragmentNode):
            inner = walk.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            if inner is not None and is_composite_type(inner):
                total += _selections(walk, inner, selection.selection_set, sized, spreads, root_extra)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = walk.fragments.get(name)
            if fragment is None or name in spreads:  # unknown, or a cycle validation should have caught
                continue
            inner = walk.schema.get_type(fragment.type_condition.name.value)
            if inner is not None and is_composite_type(inner):
                total += _selections(walk, inner, fragment.selection_set, sized, (*spreads, name), root_extra)
    return total


def _field(walk: _Walk, parent: GraphQLCompositeType, node: FieldNode, sized: Mapping[str, int],
           spreads: tuple[str, ...]) -> int:
    definition = _definition(parent, node.name.value)
    if definition is None:
        return 0
    coordinate = f"{parent.name}.{node.name.value}"
    named = get_named_type(definition.type)
    weight = walk.directives.weights.get(coordinate, walk.directives.weights.get(named.name))
    if weight is None:
        weight = 1 if is_composite_type(named) else 0
    list_size = walk.directives.list_sizes.get(coordinate)
    is_list = _is_list(definition.type)
    if list_size is not None:
        size = _size(walk, definition, node, list_size, coordinate)
    else:
        size = sized.get(node.name.value, walk.default_list_size if is_list else 1)
    children: dict[str, int] = {}
    if list_size is not None and list_size.sized_fields:
        children = {name: size for name in list_size.sized_fields}
    if list_size is not None and not is_list:
        size = 1  # @listSize on an object (a connection) sizes its children only
    inner = 0
    if node.selection_set is not None and is_composite_type(named):
        inner = _selections(walk, named, node.selection_set, children, spreads)
    return size * (weight + inner) + _arguments(walk, definition, node, coordinate)


def _definition(parent: GraphQLCompositeType, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    return getattr(parent, "fields", {}).get(name)


def _is_list(type_: Any) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)


def _argument_values(walk: _Walk, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
    """Given arguments (literals or variables), then defaults; what cannot be read is left out."""
    values: dict[str, Any] = {}
    given = {a.name.value: a.value for a in node.arguments or ()}
    for name, argument in definition.args.items():
        if name in given:
            value = value_from_ast(given[name], argument.type, dict(walk.variables))
            if value is not None and value is not Undefined:
                values[name] = value
        elif (default := _default(argument)) is not None and default is not Undefined:
            values[name] = default
    return values


def _default(argument: Any) -> Any:
    """An argument's default value (graphql-core 3.3 keeps it as `default`, 3.2 as `default_value`)."""
    if getattr(argument, "default", None) is not None:
        from graphql.utilities.coerce_input_value import coerce_default_value

        return coerce_default_value(argument)
    return argument.default_value


def _size(walk: _Walk, definition: GraphQLField, node: FieldNode, list_size: ListSize | None,
          coordinate: str) -> int:
    if list_size is None:
        return walk.default_list_size
    if list_size.slicing_arguments:
        values = _argument_values(walk, definition, node)
        given = [values[n] for n in list_size.slicing_arguments if isinstance(values.get(n), int)]
        if list_size.require_one_slicing_argument and len(given) != 1:
            names = ", ".join(list_size.slicing_arguments)
            raise SlicingArgumentError(
                f"{coordinate} needs exactly one of its slicing arguments ({names}); the operation gives {len(given)}.",
                extensions={"code": "SLICING_ARGUMENT_REQUIRED"})
        if given:
            return max(0, max(given))
    return list_size.assumed_size if list_size.assumed_size is not None else walk.default_list_size


def _arguments(walk: _Walk, definition: GraphQLField, node: FieldNode, coordinate: str) -> int:
    """@cost on the arguments given, and on input types (and their fields) those arguments use."""
    total = 0
    given = {a.name.value for a in node.arguments or ()}
    for name, argument in definition.args.items():
        if name not in given:
            continue
        total += walk.directives.weights.get(f"{coordinate}({name}:)", 0)
        input_type = get_named_type(argument.type)
        total += walk.directives.weights.get(input_type.name, 0)
        if isinstance(input_type, GraphQLInputObjectType):
            total += sum(walk.directives.weights.get(f"{input_type.name}.{f}", 0) for f in input_type.fields)
    return total
