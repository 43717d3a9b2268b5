"""Service credentials: a subgraph that calls another (orders → catalog, payments → orders) does
so as itself, with an OAuth2 client_credentials token from the users service, never with its
caller's token. The scopes such calls need are service-only (auth.scopes.SERVICE): no shopper
or admin token carries them, so a shopper calling a subgraph directly cannot do what a service may."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp

from auth import scopes

log = logging.getLogger("graft.subgraph.credentials")

# The subgraphs that call another, and the service-only scopes their client is granted.
SERVICE_SCOPES: dict[str, tuple[str, ...]] = {
    "catalog": (scopes.EVENTS_DELIVER,),  # its relay delivers stock events (HTTP transport)
    "orders": (scopes.INVENTORY_RESERVE, scopes.EVENTS_DELIVER),  # reserveStock / releaseStock in the catalog
    "payments": (scopes.ORDERS_PAY, scopes.EVENTS_DELIVER),  # orderForPayment in orders
}


@dataclass(frozen=True)
class ServiceClient:
    """An OAuth2 confidential client for one service: `<name>-service`, its secret from
    `<NAME>_SERVICE_SECRET` (a development default, for `make run`, when unset)."""

    name: str
    secret: str
    scopes: tuple[str, ...]

    @property
    def client_id(self) -> str:
        return f"{self.name}-service"

    @classmethod
    def from_env(cls, name: str) -> ServiceClient:
        secret = os.environ.get(f"{name.upper()}_SERVICE_SECRET") or f"{name}-service-dev-secret"
        return cls(name, secret, SERVICE_SCOPES[name])


def service_clients() -> list[ServiceClient]:
    """Every service client the users service registers."""
    return [ServiceClient.from_env(name) for name in SERVICE_SCOPES]


class CredentialsError(Exception):
    """No service token could be had; the detail is for the log, not for clients."""


class ServiceToken:
    """This service's access token, fetched from the token endpoint with HTTP Basic client
    authentication, shared by every request and fetched again before it expires (or at once
    after a peer refused it). Concurrent requests wait for one fetch."""

    def __init__(self, http: aiohttp.ClientSession, token_url: str, client: ServiceClient,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http, self.token_url, self.client, self.clock = http, token_url, client, clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token is None or self.clock() >= self._refresh_at:
            async with self._lock:
                if self._token is None or self.clock() >= self._refresh_at:
                    await self._fetch()
        assert self._token is not None
        return self._token

    def forget(self, token: str) -> None:
        """A peer refused `token` (revoked, or signed with a key since retired): fetch anew."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", "scope": " ".join(self.client.scopes)}
        # RFC 6749 §2.3.1: id and secret form-urlencoded, then HTTP Basic
        auth = aiohttp.encode_basic_auth(quote(self.client.client_id, safe=""), quote(self.client.secret, safe=""))
        started = self.clock()
        try:
            async with self.http.post(self.token_url, data=form, headers={"Authorization": auth}) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise CredentialsError(f"token endpoint {self.token_url} unreachable: {exc}") from exc
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise CredentialsError(f"token endpoint {self.token_url} refused {self.client.client_id}: {status} {body}")
        lifetime = float(body.get("expires_in", 60))
        self._token = str(body["access_token"])
        # a minute early, or halfway for short lives, so no call goes out with an expiring token
        self._refresh_at = started + max(lifetime - 60, lifetime / 2)
