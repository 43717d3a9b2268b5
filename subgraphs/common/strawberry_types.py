"""Types the two strawberry subgraphs (catalog, orders) share, declared once: Money, and Relay
connections written as strawberry's pagination guide writes them (`Connection[Product]` is
named ProductConnection, its edges ProductEdge)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

import strawberry
import strawberry.federation
from strawberry import UNSET
from strawberry.federation.schema_directives import ListSize

from subgraphs.common.relay import encode_cursor

# Demand control: a page costs what `first` asks for; the router estimates from this. (strawberry's
# types make every ListSize argument required; UNSET is its own "not given".)
PAGE = ListSize(slicing_arguments=["first"], sized_fields=["edges"], assumed_size=UNSET)


@strawberry.federation.type(shareable=True, description="An amount of money in minor units (cents).")
class Money:
    amount: int
    currency: str


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int


class Row(Protocol):
    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=Row)


def connection(kind: str, rows: Sequence[RowT], size: int, after: str | None, total: int,
               node: Callable[[RowT], NodeT]) -> Connection[NodeT]:
    """One page of `kind` (the cursors' prefix). `rows` holds up to size + 1: the extra one
    only says there is a next page."""
    edges = [Edge(cursor=encode_cursor(kind, row.id), node=node(row)) for row in rows[:size]]
    page = PageInfo(
        has_next_page=len(rows) > size, has_previous_page=bool(after),
        start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=page, total_count=total)
