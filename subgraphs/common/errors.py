"""Domain errors as GraphQL errors with `extensions.code`, the same in every subgraph, and the
one place an unexpected exception is turned into an answer that tells the client nothing."""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
CONFLICT = "CONFLICT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

GRAPHQL_INT_MAX = 2**31 - 1  # the GraphQL Int is a signed 32-bit integer
_ID = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only: int() also takes "١٢", " 7" and "1_0"

log = logging.getLogger("graft.subgraph.errors")


def graphql_error(message: str, code: str = BAD_USER_INPUT, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def shown(value: object, limit: int = 40) -> str:
    """A client's value quoted in an error message, cut short so a huge one is not echoed back."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_id(value: object, what: str) -> int:
    """Our ids are integer keys (1 to the GraphQL Int maximum) shown as strings of ASCII digits;
    anything else is the client's mistake, refused before it reaches SQL."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ID.fullmatch(text) or int(text) > GRAPHQL_INT_MAX:
        raise graphql_error(f"{what} id {shown(value)} is not a valid id: ids are whole numbers "
                            f"from 1 to {GRAPHQL_INT_MAX}", BAD_USER_INPUT)
    return int(text)


def at_most(items: list[Any] | None, maximum: int, what: str) -> None:
    """A list argument's length bounded before any work is done for each element."""
    if items is not None and len(items) > maximum:
        raise graphql_error(f"At most {maximum} {what}, got {len(items)}", BAD_USER_INPUT)


def is_expected(error: GraphQLError) -> bool:
    """Our own refusals (GraphQLErrors raised on purpose) and the GraphQL engine's (syntax,
    validation, variable coercion) are answers; any other exception is a bug whose text may
    hold SQL, file paths or URLs."""
    cause = error.original_error
    while isinstance(cause, GraphQLError):
        cause = cause.original_error
    return cause is None


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """The error as the client sees it: an expected one as it is, logged at INFO in one line (an
    answer, not a fault: no traceback); an unexpected one logged once at ERROR in full with the
    request id, and answered with only that id."""
    if is_expected(error):
        code = (error.extensions or {}).get("code")
        log.info("request %s: %s at %s: %s", request_id, code, error.path, error.message)
        return dict(error.formatted)
    log.error("request %s: unexpected error at %s", request_id, error.path, exc_info=error.original_error)
    masked = {"message": "Internal server error", "locations": error.formatted.get("locations"),
              "path": error.path, "extensions": {"code": INTERNAL_SERVER_ERROR, "requestId": request_id}}
    return {key: value for key, value in masked.items() if value is not None}


def at_most_chars(text: str, maximum: int, what: str) -> None:
    """A required text argument: not blank, and bounded before it is stored."""
    if not text:
        raise graphql_error(f"{what} must not be empty", BAD_USER_INPUT)
    if len(text) > maximum:
        raise graphql_error(f"{what} is at most {maximum} characters, got {len(text)}", BAD_USER_INPUT)
