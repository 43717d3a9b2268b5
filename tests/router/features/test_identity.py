"""The identity stage over real HTTP: every refused token is a 401 with WWW-Authenticate and a
GraphQL error before any other stage runs; no token means anonymous."""

from __future__ import annotations

import asyncio
import statistics
import uuid

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestServer

from auth.keys import KeyStore, default_keys_path
from router.config import load_settings
from router.server.resources import RESOURCES
from tests.support.silent_server import timed
from tests.support import tokens
from tests.support.services import REDIS_URL, listening, unavailable

GQL = {"Accept": "application/graphql-response+json"}


async def ask(client, authorization: str | None = None):
    headers = {**GQL, **({"Authorization": authorization} if authorization else {})}
    return await client.post("/graphql", json={"query": "{ version }"}, headers=headers)


def contexts(client) -> list:
    return client.pipelines.current.service.requests


@pytest.fixture
def store() -> KeyStore:
    return KeyStore.open(default_keys_path())


@pytest.mark.parametrize("attack", tokens.ATTACKS)
async def test_refused_tokens_are_401_before_anything_runs(make_client, store, tmp_path, attack):
    client = await make_client()
    header, words = tokens.attacks(store, KeyStore.open(tmp_path / "other.json"))[attack]
    resp = await ask(client, header)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer realm="graft", error="invalid_token"')
    error = (await resp.json())["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and words in error["message"]
    assert contexts(client) == []


async def test_no_token_is_anonymous_and_a_good_one_names_the_caller(make_client, store):
    client = await make_client()
    assert (await ask(client)).status == 200
    assert (await ask(client, "Bearer " + tokens.good(store, subject="42"))).status == 200
    anonymous, signed_in = contexts(client)
    assert anonymous.caller.claims is None and anonymous.caller.tier == "anonymous"
    assert signed_in.caller.claims.subject == "42" and signed_in.caller.key == "sub:42"


async def test_revoked_token_in_process(make_client, store):
    client = await make_client()
    token = tokens.good(store)
    assert (await ask(client, "Bearer " + token)).status == 200
    claims = await client.app[RESOURCES].authenticator.verifier.verify("Bearer " + token)
    await client.app[RESOURCES].authenticator.revocations.revoke(claims[0].jti, claims[0].expires_at)
    resp = await ask(client, "Bearer " + token)
    assert resp.status == 401 and "revoked" in (await resp.json())["errors"][0]["message"]


async def test_revoked_token_in_redis_is_refused_by_every_router(make_client, store):
    if not listening("127.0.0.1", 6379):
        unavailable("Redis")
    prefix = f"test:{uuid.uuid4().hex}:"
    settings = load_settings(redis={"url": REDIS_URL, "key_prefix": prefix})
    first, second = await make_client(settings), await make_client(settings)
    token = tokens.good(store)
    claims, _ = await first.app[RESOURCES].authenticator.verifier.verify("Bearer " + token)
    redis = aioredis.from_url(REDIS_URL)
    try:
        await redis.set(f"{prefix}revoked:{claims.jti}", "1", ex=60)  # as the users service writes it
        for client in (first, second):
            assert (await ask(client, "Bearer " + token)).status == 401
        assert (await ask(first, "Bearer " + tokens.good(store))).status == 200
    finally:
        await redis.delete(f"{prefix}revoked:{claims.jti}")
        await redis.aclose()




async def test_a_redis_that_never_answers_adds_no_time_after_the_first_request(make_client, store, silent):
    """Issue 12 finding 6: the deny list backs off after a failure as the caches do, and fails
    open (a verified, short-lived token passes while Redis is down)."""
    client = await make_client(load_settings(redis={"url": f"redis://{silent.origin}/0"}))
    token = "Bearer " + tokens.good(store)
    timings = []
    for _ in range(9):
        took, resp = await timed(ask(client, token))
        assert resp.status == 200
        timings.append(took)
    assert statistics.median(timings) < 0.1, timings


async def test_a_deny_list_set_to_fail_closed_answers_503_while_redis_is_silent(make_client, store, silent):
    settings = load_settings(redis={"url": f"redis://{silent.origin}/0"}, auth={"revocation_on_redis_error": "closed"})
    client = await make_client(settings)
    assert (await ask(client)).status == 200  # anonymous requests do not need the deny list
    for _ in range(2):
        resp = await ask(client, "Bearer " + tokens.good(store))
        assert resp.status == 503 and int(resp.headers["Retry-After"]) >= 1
        assert (await resp.json())["errors"][0]["extensions"]["code"] == "AUTH_UNAVAILABLE"


async def test_a_hung_jwks_endpoint_is_a_quick_503_not_a_hang_or_a_401(make_client, store, silent):
    """Issue 12 finding 5: the fetch times out (2 s by default), then nobody waits on the endpoint
    for a while; the token is not called invalid, its check is unavailable (503, Retry-After)."""
    client = await make_client(load_settings(auth={"jwks_url": f"http://{silent.origin}/.well-known/jwks.json"}))
    token = "Bearer " + tokens.good(store)
    first_took, first = await timed(asyncio.wait_for(ask(client, token), timeout=6))
    second_took, second = await timed(ask(client, token))
    assert first_took < 3 and second_took < 0.2, (first_took, second_took)
    for resp in (first, second):
        assert resp.status == 503 and int(resp.headers["Retry-After"]) >= 1
        error = (await resp.json())["errors"][0]
        assert error["extensions"]["code"] == "AUTH_UNAVAILABLE" and "signing keys" in error["message"]


@pytest.fixture
async def hanging_jwks(tmp_path):
    """A JWKS endpoint that answers until `hang` is set, then never again."""
    store = KeyStore.open(tmp_path / "issuer-keys.json")
    hang = asyncio.Event()

    async def jwks(request: web.Request) -> web.Response:
        if hang.is_set():
            await asyncio.sleep(3600)
        return web.json_response(store.jwks())

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", jwks)
    server = TestServer(app)
    await server.start_server()
    yield store, str(server.make_url("/.well-known/jwks.json")), hang
    await server.close()


async def test_known_keys_still_verify_while_the_jwks_endpoint_hangs(make_client, hanging_jwks):
    store, url, hang = hanging_jwks
    client = await make_client(load_settings(auth={"jwks_url": url, "jwks_refetch_floor": 0, "jwks_timeout": 0.3}))
    old = "Bearer " + tokens.good(store)
    assert (await ask(client, old)).status == 200
    hang.set()
    store.rotate()
    took, resp = await timed(ask(client, "Bearer " + tokens.good(store)))  # a new kid: the keys are refetched
    assert resp.status == 503 and took < 1.5
    took, resp = await timed(ask(client, old))
    assert resp.status == 200 and took < 0.2  # the last good keys are kept


@pytest.fixture
async def jwks_server(tmp_path):
    """A JWKS endpoint over a key file of its own, counting fetches."""
    store = KeyStore.open(tmp_path / "issuer-keys.json")
    fetches: list[int] = []

    async def jwks(request: web.Request) -> web.Response:
        fetches.append(1)
        return web.json_response(store.jwks())

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", jwks)
    server = TestServer(app)
    await server.start_server()
    yield store, server.make_url("/.well-known/jwks.json"), fetches
    await server.close()


async def test_jwks_refetched_on_a_new_kid_after_rotation(make_client, jwks_server):
    store, url, fetches = jwks_server
    client = await make_client(load_settings(auth={"jwks_url": str(url), "jwks_refetch_floor": 0}))
    assert (await ask(client, "Bearer " + tokens.good(store))).status == 200
    assert (await ask(client, "Bearer " + tokens.good(store))).status == 200
    assert len(fetches) == 1  # cached
    store.rotate()
    assert (await ask(client, "Bearer " + tokens.good(store))).status == 200
    assert len(fetches) == 2


async def test_unknown_kids_do_not_refetch_within_the_floor(make_client, jwks_server, tmp_path):
    store, url, fetches = jwks_server
    client = await make_client(load_settings(auth={"jwks_url": str(url), "jwks_refetch_floor": 3600}))
    stranger = KeyStore.open(tmp_path / "stranger.json")
    assert (await ask(client, "Bearer " + tokens.good(store))).status == 200
    for _ in range(3):
        assert (await ask(client, "Bearer " + tokens.good(stranger))).status == 401
    assert len(fetches) == 1


def test_symmetric_algorithms_cannot_be_configured():
    from router.config import ConfigError

    with pytest.raises(ConfigError, match="HS256"):
        load_settings(auth={"algorithms": ["HS256"]})


async def test_the_verified_caller_picks_the_rate_limit_tier(make_client, store):
    client = await make_client(load_settings(rate_limits={"enabled": True}))
    anonymous = await ask(client)
    shopper = await ask(client, "Bearer " + tokens.good(store, subject="5"))
    assert anonymous.headers["RateLimit-Policy"].startswith('"anonymous"')
    assert shopper.headers["RateLimit-Policy"].startswith('"shopper"')
