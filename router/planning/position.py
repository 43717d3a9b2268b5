"""Where the walk over an operation is: a frozen value each step passes down, changed by copying.

Everything that holds for a field and all below it travels in the Position: a step that moves
(into a child field, a runtime type, another fetch after an entity jump) passes on a modified
copy, and its caller's Position is untouched, so nothing has to be saved and restored."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode, VariableNode

from router.planning.groups import FetchGroup
from router.planning.selections import SelectionTree
from router.supergraph.model import FieldSource

# Fields @provides makes local, by name, with the fields under them; "...Type" keys hold those
# that apply only on that runtime type.
Provided = dict[str, "Provided"]


@dataclass(frozen=True, eq=False)
class Position:
    """A selection set being planned and what holds for everything selected in it.

    `group`/`selections`: the fetch and the selection set in it where fields land; `parent_type`:
    the type they are selected on; `path`: their response path ("@" for each list level);
    `provided`: what @provides makes local here; `condition`: the @include/@skip variable the
    fetches made here run under; `defer`: the deferred fragment the fields here belong to (a fetch
    of another, or the primary one, only supplies their keys); `internal`: the router's own
    fields (keys, @requires), not the client's; `suppliers`: one set per @requires being planned around here, collecting the
    fetches that supply its fields (an inner @requires' fetches supply the outer ones too)."""

    group: FetchGroup
    selections: SelectionTree
    parent_type: str
    path: tuple[str, ...] = ()
    provided: Provided | None = None
    condition: tuple[str, bool] | None = None
    internal: bool = False
    suppliers: tuple[set[int], ...] = ()
    defer: int | None = None

    @property
    def graph(self) -> str:
        """The subgraph the current fetch goes to."""
        return self.group.graph

    def note_supplier(self) -> None:
        """The current fetch resolves a field here: it supplies every @requires being planned."""
        for suppliers in self.suppliers:
            suppliers.add(self.group.id)


def variable_condition(node: FieldNode) -> tuple[str, bool] | None:
    """@include(if: $v) → (v, True); @skip(if: $v) → (v, False); literals need no plan node."""
    for directive in node.directives or ():
        if directive.name.value in ("include", "skip") and directive.arguments:
            value = directive.arguments[0].value
            if isinstance(value, VariableNode):
                return value.name.value, directive.name.value == "include"
    return None


def provided_tree(selection_set: SelectionSetNode | None) -> Provided:
    """Fields @provides makes local; fragments kept as "...Type" entries so they apply only there."""
    tree: Provided = {}
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            tree.setdefault(selection.name.value, {}).update(provided_tree(selection.selection_set))
        elif isinstance(selection, InlineFragmentNode):
            key = f"...{selection.type_condition.name.value}" if selection.type_condition else None
            into = tree.setdefault(key, {}) if key else tree
            into.update(provided_tree(selection.selection_set))
    return tree


def provided_for(provided: Provided | None, type_name: str) -> Provided | None:
    """What is provided on an object of `type_name`: the common fields and that type's fragment."""
    if provided is None:
        return None
    fields = {k: v for k, v in provided.items() if not k.startswith("...")}
    return {**fields, **provided.get(f"...{type_name}", {})}


def provided_below(provided: Provided | None, field_name: str, source: FieldSource | None) -> Provided | None:
    """Below a field: what an enclosing @provides names under it, else the field's own @provides."""
    if provided is not None and field_name in provided:
        return provided.get(field_name)
    return provided_tree(source.provides) if source is not None and source.provides is not None else None
