"""The fields a selection set selects on a type, through the operation's fragments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

from router.planning.errors import PlanningError


@dataclass(frozen=True)
class Fragments:
    """The operation's fragment definitions, with the schema that says which types they apply to."""

    schema: GraphQLSchema
    definitions: Mapping[str, FragmentDefinitionNode]

    def collect(self, type_name: str, selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
        """The fields selected on an object type, through every fragment that applies to it."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
                continue
            condition, inner = self.type_condition(selection, type_name)
            if self.applies(condition, type_name):
                yield from self.collect(type_name, inner)

    def split(self, type_name: str, selection_set: SelectionSetNode | None
              ) -> tuple[list[FieldNode], list[DeferUsage]]:
        """Like collect, but fragments under an active @defer are handed back whole, not entered:
        their fields are planned into fetches of their own."""
        fields: list[FieldNode] = []
        deferred: list[DeferUsage] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                fields.append(selection)
                continue
            condition, inner = self.type_condition(selection, type_name)
            if not self.applies(condition, type_name):
                continue
            usage = defer_usage(selection, inner)
            if usage is not None:
                deferred.append(usage)
                continue
            more_fields, more_deferred = self.split(type_name, inner)
            fields += more_fields
            deferred += more_deferred
        return fields, deferred

    def type_condition(self, selection: SelectionNode, type_name: str) -> tuple[str, SelectionSetNode]:
        """A fragment's type condition (an inline fragment without one is on `type_name`) and selections."""
        if isinstance(selection, FragmentSpreadNode):
            fragment = self.definitions.get(selection.name.value)
            if fragment is None:
                raise PlanningError(f"Unknown fragment {selection.name.value}")
            return fragment.type_condition.name.value, fragment.selection_set
        assert isinstance(selection, InlineFragmentNode)
        condition = selection.type_condition.name.value if selection.type_condition else type_name
        return condition, selection.selection_set

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

    def split_interface_object(self, interface: str, selection_set: SelectionSetNode | None
                               ) -> tuple[list[FieldNode], list[SelectionNode]]:
        """The interface's own fields, and what needs the real object type: __typename and
        fragments on other types."""
        local: list[FieldNode] = []
        remote: list[SelectionNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                (remote if selection.name.value == "__typename" else local).append(selection)
                continue
            condition, inner = self.type_condition(selection, interface)
            if condition == interface:
                more_local, more_remote = self.split_interface_object(interface, inner)
                local += more_local
                remote += more_remote
            else:
                remote.append(selection)
        return local, remote


def with_selections(node: FieldNode, selections: Sequence[SelectionNode]) -> FieldNode:
    """The same field (name, alias, arguments, directives) with other selections below it."""
    return FieldNode(name=node.name, alias=node.alias, arguments=node.arguments, directives=node.directives,
                     selection_set=SelectionSetNode(selections=tuple(selections)))


@dataclass(frozen=True)
class DeferUsage:
    """A fragment under @defer (not `if: false`): the fields it delivers later, and how the plan
    and shaping both name it (its place in the document text)."""

    fragment: int
    label: str | None
    condition: str | None  # `if: $v`: deferred only when v is true; else it is delivered at once
    selection_set: SelectionSetNode


def defer_key(selection: SelectionNode) -> int:
    """Where the fragment starts in the document: the same in every parse of the same text."""
    return selection.loc.start if selection.loc is not None else id(selection)


def defer_usage(selection: SelectionNode, inner: SelectionSetNode) -> DeferUsage | None:
    """The fragment's @defer, unless it has none or `if: false`."""
    directive = next((d for d in selection.directives or () if d.name.value == "defer"), None)
    if directive is None:
        return None
    label: str | None = None
    condition: str | None = None
    for argument in directive.arguments or ():
        value = argument.value
        if argument.name.value == "label" and isinstance(value, StringValueNode):
            label = value.value
        elif argument.name.value == "if":
            if isinstance(value, BooleanValueNode) and not value.value:
                return None
            if isinstance(value, VariableNode):
                condition = value.name.value
    return DeferUsage(defer_key(selection), label, condition, inner)
