"""Calls from one subgraph to another's GraphQL endpoint (orders → catalog, payments → orders)."""

from __future__ import annotations

from typing import Any

import aiohttp
from graphql import GraphQLError


class PeerError(Exception):
    """The peer answered with GraphQL errors or could not be reached."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    def as_graphql_error(self, unavailable_code: str) -> GraphQLError:
        """For our own client: the peer's first error with its code, or `unavailable_code`."""
        first = self.errors[0] if self.errors else {}
        return GraphQLError(str(self), extensions=first.get("extensions") or {"code": unavailable_code})


async def call_peer(
    http: aiohttp.ClientSession,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST one operation; return `data` or raise PeerError with the peer's first message."""
    try:
        async with http.post(url, json={"query": query, "variables": variables or {}}, headers=headers) as resp:
            body = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise PeerError(f"{url} is unavailable: {exc}") from exc
    errors = body.get("errors") or []
    if errors:
        raise PeerError(errors[0].get("message", "peer error"), errors)
    return body.get("data") or {}
