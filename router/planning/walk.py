"""The walk over an operation as the planning modules see it.

Planning a field may need an entity jump, @requires or an abstract type's runtime types, and
each of those plans fields again. The modules for them (entities, requires, abstract) call back
into the walk through this protocol, implemented by router.planning.operation.OperationWalk, so
that none of them imports the walk itself."""

from __future__ import annotations

from typing import Protocol

from graphql import FieldNode, SelectionSetNode

from router.planning.fragments import Fragments
from router.planning.groups import FetchGroups
from router.planning.plan import RepresentationField
from router.planning.position import Position
from router.planning.reach import Reach
from router.supergraph.model import SupergraphModel


class Walk(Protocol):
    @property
    def model(self) -> SupergraphModel: ...

    @property
    def fragments(self) -> Fragments: ...

    @property
    def reach(self) -> Reach: ...

    @property
    def fetches(self) -> FetchGroups: ...

    @property
    def alternatives(self) -> dict[tuple[str, ...], frozenset[str]]:
        """Per response path below an entity: the subgraphs that could all resolve it."""
        ...

    def selection_set(self, at: Position, selection_set: SelectionSetNode | None) -> list[RepresentationField]:
        """Plans a selection set on `at.parent_type`; for internal positions, the representation
        fields it makes."""
        ...

    def field(self, at: Position, node: FieldNode) -> RepresentationField | None:
        """Plans one field: here if the current subgraph resolves it, else through a jump."""
        ...

    def local(self, at: Position, node: FieldNode) -> RepresentationField | None:
        """Adds a field the current fetch resolves, and plans its selections."""
        ...
