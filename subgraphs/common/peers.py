"""Calls from one subgraph to another's GraphQL endpoint (orders → catalog, payments → orders),
made as the calling service with its own client_credentials token (subgraphs/common/credentials.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from graphql import GraphQLError

from subgraphs.common.app import HTTP, SERVICE_TOKEN
from subgraphs.common.credentials import CredentialsError, ServiceToken
from subgraphs.common.deadline import deadline_headers
from subgraphs.common.errors import FORBIDDEN, UNAUTHENTICATED
from subgraphs.common.settings import peer_url

log = logging.getLogger("graft.subgraph.peers")


class PeerError(Exception):
    """The peer answered with GraphQL errors, or (no errors) could not be reached."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    @property
    def code(self) -> str | None:
        return ((self.errors[0] if self.errors else {}).get("extensions") or {}).get("code")


async def call_peer(
    http: aiohttp.ClientSession,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST one operation; return `data` or raise PeerError with the peer's first message."""
    try:
        async with http.post(url, json={"query": query, "variables": variables or {}},
                             headers={**(headers or {}), **deadline_headers()}) as resp:
            body = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise PeerError(f"{url} is unavailable: {exc}") from exc
    errors = body.get("errors") or []
    if errors:
        raise PeerError(errors[0].get("message", "peer error"), errors)
    return body.get("data") or {}


@dataclass(frozen=True)
class Peer:
    """Another subgraph, called as this service. The peer's refusals (INSUFFICIENT_STOCK, ...)
    reach our client as they are; an outage, or no token for us, as `<NAME>_UNAVAILABLE` with
    a message naming neither URL nor cause (those are logged)."""

    http: aiohttp.ClientSession
    url: str
    name: str
    credentials: ServiceToken | None

    @classmethod
    def of(cls, name: str, request: web.Request) -> Peer:
        """The subgraph `name` (peer_url), on the app's HTTP client and service token."""
        return cls(request.app[HTTP], peer_url(name), name, request.app.get(SERVICE_TOKEN))

    async def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            try:
                return await self._call(query, variables)
            except PeerError as exc:
                if exc.code != UNAUTHENTICATED or self.credentials is None:
                    raise
                return await self._call(query, variables)  # our token was refused: once more with a new one
        except CredentialsError as exc:
            log.error("no service token to call %s: %s", self.name, exc)
            raise self._unavailable() from None
        except PeerError as exc:
            if not exc.errors or exc.code in (UNAUTHENTICATED, FORBIDDEN):
                # unreachable, or it refused this service (not our caller): ours to fix, not the client's
                log.error("calling %s failed: %s", self.name, exc)
                raise self._unavailable() from None
            raise GraphQLError(str(exc), extensions=exc.errors[0].get("extensions") or {}) from None

    async def _call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        headers, token = {}, ""
        if self.credentials is not None:
            token = await self.credentials.get()
            headers["Authorization"] = f"Bearer {token}"
        try:
            return await call_peer(self.http, self.url, query, variables, headers)
        except PeerError as exc:
            if exc.code == UNAUTHENTICATED and self.credentials is not None:
                self.credentials.forget(token)
            raise

    def _unavailable(self) -> GraphQLError:
        return GraphQLError(f"The {self.name} service is unavailable; try again later",
                            extensions={"code": f"{self.name.upper()}_UNAVAILABLE"})
