"""The service token a subgraph calls its peers with: fetched once, shared, refreshed before
it expires, fetched anew when a peer refuses it."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from subgraphs.common.credentials import CredentialsError, ServiceClient, ServiceToken

CLIENT = ServiceClient("orders", "s3cret", ("inventory:reserve",))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def endpoint():
    """A token endpoint counting its grants; it checks HTTP Basic and the grant's form."""
    issued: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        form = dict(await request.post())
        expected = "Basic " + base64.b64encode(b"orders-service:s3cret").decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"error": "invalid_client"}, status=401)
        issued.append(form)
        await asyncio.sleep(0.01)
        return web.json_response({"access_token": f"t{len(issued)}", "token_type": "Bearer", "expires_in": 900})

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        yield http, str(server.make_url("/oauth/token")), issued


async def test_one_fetch_serves_concurrent_callers_until_shortly_before_expiry(endpoint):
    http, url, issued = endpoint
    clock = Clock()
    token = ServiceToken(http, url, CLIENT, clock)
    assert set(await asyncio.gather(*(token.get() for _ in range(10)))) == {"t1"}
    assert issued == [{"grant_type": "client_credentials", "scope": "inventory:reserve"}]
    clock.now += 839
    assert await token.get() == "t1"
    clock.now += 1  # 60 s before its 900 s are up
    assert await token.get() == "t2"


async def test_a_refused_token_is_fetched_anew(endpoint):
    http, url, issued = endpoint
    token = ServiceToken(http, url, CLIENT, Clock())
    first = await token.get()
    token.forget("some older token")
    assert await token.get() == first
    token.forget(first)
    assert await token.get() == "t2" and len(issued) == 2


async def test_a_wrong_secret_or_no_endpoint_is_a_credentials_error(endpoint):
    http, url, _ = endpoint
    with pytest.raises(CredentialsError):
        await ServiceToken(http, url, ServiceClient("orders", "wrong", ("inventory:reserve",))).get()
    with pytest.raises(CredentialsError):
        await ServiceToken(http, url.replace("/oauth/token", "/nothing"), CLIENT).get()


def test_secrets_come_from_the_environment_with_a_development_default(monkeypatch):
    monkeypatch.delenv("PAYMENTS_SERVICE_SECRET", raising=False)
    assert ServiceClient.from_env("payments").secret == "payments-service-dev-secret"
    monkeypatch.setenv("PAYMENTS_SERVICE_SECRET", "from-env")
    client = ServiceClient.from_env("payments")
    assert (client.client_id, client.secret, client.scopes) == ("payments-service", "from-env",
                                                                ("orders:pay", "events:deliver"))
