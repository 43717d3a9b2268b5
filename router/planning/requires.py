"""@requires: the fields a subgraph needs in a representation, planned before its fetch."""

from __future__ import annotations

from dataclasses import dataclass, replace

from graphql import SelectionSetNode

from router.planning.plan import RepresentationField
from router.planning.position import Position
from router.planning.walk import Walk


@dataclass(frozen=True)
class Required:
    """Fields planned for an entity fetch's representations (its @requires, or a key gathered from
    several subgraphs): the fetches that supply them, which it waits for and is not merged into,
    and the representation fields they make."""

    suppliers: frozenset[int] = frozenset()
    fields: tuple[RepresentationField, ...] = ()

    def __add__(self, other: Required) -> Required:
        return Required(self.suppliers | other.suppliers, self.fields + other.fields)


def plan_requires(walk: Walk, at: Position, requires: SelectionSetNode | None) -> Required:
    """Plans the required fields from the current fetch, jumping further where it cannot
    resolve them."""
    if requires is None:
        return Required()
    suppliers: set[int] = set()
    fields = walk.selection_set(replace(at, internal=True, suppliers=(*at.suppliers, suppliers)), requires)
    return Required(frozenset(suppliers), tuple(fields))
