"""Calls from one subgraph to another's GraphQL endpoint (orders → catalog, payments → orders)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from graphql import GraphQLError

from subgraphs.common.app import HTTP
from subgraphs.common.identity import Identity
from subgraphs.common.settings import peer_url


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


@dataclass(frozen=True)
class Peer:
    """Another subgraph, called on our caller's behalf: it gets the caller's token and checks
    the caller itself. Its errors reach our client as they are; an outage as `unavailable_code`."""

    http: aiohttp.ClientSession
    url: str
    identity: Identity
    unavailable_code: str

    @classmethod
    def of(cls, name: str, request: web.Request, identity: Identity) -> Peer:
        """The subgraph `name` (peer_url), on the app's HTTP client; unreachable: `<NAME>_UNAVAILABLE`."""
        return cls(request.app[HTTP], peer_url(name), identity, f"{name.upper()}_UNAVAILABLE")

    async def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return await call_peer(self.http, self.url, query, variables, self.identity.forward_headers())
        except PeerError as exc:
            raise exc.as_graphql_error(self.unavailable_code) from None
