"""Domain errors as GraphQL errors with `extensions.code`, the same in every subgraph."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
CONFLICT = "CONFLICT"


def graphql_error(message: str, code: str = BAD_USER_INPUT, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def parse_id(value: str | int, what: str) -> int:
    """Our ids are integer keys shown as strings; anything else is the client's mistake."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise graphql_error(f"{what} id {value!r} is not a valid id") from None
    if number < 1:
        raise graphql_error(f"{what} id {value!r} is not a valid id")
    return number
