"""Relay-style cursors shared by every connection (products, orders)."""

from __future__ import annotations

import base64
import binascii

from subgraphs.common.errors import graphql_error

MAX_PAGE = 100


class CursorError(ValueError):
    """A cursor the client sent that we never issued."""


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> int:
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorError(f"Invalid cursor {cursor!r}") from exc


def page_size(first: int | None, default: int = 20) -> int:
    """`first` bounded to 1..MAX_PAGE; anything else is a client error."""
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise ValueError(f"first must be between 1 and {MAX_PAGE}, got {size}")
    return size


def page_args(kind: str, first: int | None, after: str | None, start: int) -> tuple[int, int]:
    """The page size and the key the page starts after (`start` without a cursor); a bad
    `first` or cursor is the client's mistake (BAD_USER_INPUT)."""
    try:
        return page_size(first), decode_cursor(kind, after) if after else start
    except ValueError as exc:  # CursorError is one
        raise graphql_error(str(exc)) from None
