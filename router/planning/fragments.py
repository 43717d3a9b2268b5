"""The fields a selection set selects on a type, through the operation's fragments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
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
