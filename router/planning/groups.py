"""A fetch being built: one subgraph, one merge path, its selections and representations."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planning.plan import RepresentationField
from router.planning.selections import SelectionTree


@dataclass(eq=False)
class FetchGroup:
    id: int
    graph: str
    path: tuple[str, ...]
    parent: FetchGroup | None
    tree: SelectionTree = field(default_factory=SelectionTree)
    representations: dict[str, list[RepresentationField]] = field(default_factory=dict)
    depends_on: set[int] = field(default_factory=set)
    children: dict[tuple[str, tuple[str, ...]], FetchGroup] = field(default_factory=dict)

    @property
    def is_entity(self) -> bool:
        return self.parent is not None
