"""Value types the two strawberry subgraphs (catalog, orders) share, declared once."""

from __future__ import annotations

import strawberry
import strawberry.federation


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
