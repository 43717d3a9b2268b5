"""Caches across real processes on real Redis: the four subgraphs and two `graft serve` routers
share one key prefix; a catalog mutation through one router invalidates what both have cached."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from uuid import uuid4

import pytest
import redis

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from tests.support.processes import post_graphql, start_router

pytestmark = pytest.mark.redis

ORDERED = "{ me { orders(first: 1) { edges { node { items { product { id name } } } } } } }"
RENAME = 'mutation($id: ID!, $name: String) { updateProduct(id: $id, input: {name: $name}) { name } }'


@pytest.fixture(scope="module")
def cached_stack(tmp_path_factory, redis_url):
    from tests.conftest import _stack

    base, prefix = tmp_path_factory.mktemp("cached"), f"test:{uuid4().hex}:"
    running = _stack(base, {"REDIS_URL": redis_url, "GRAFT_REDIS_KEY_PREFIX": prefix})
    subgraphs = next(running)
    settings = (f"redis: {{url: '{redis_url}', key_prefix: '{prefix}'}}\ncache: {{entity: true}}\n"
                f"auth: {{authorization_server: '{subgraphs['users'].url}'}}\n")
    routers = [start_router(f"router{i}", subgraphs, base, settings) for i in (1, 2)]
    keys = KeyStore.open(base / "keys" / "signing-keys.json")
    yield routers, keys, subgraphs
    for router in routers:
        router.stop()
    next(running, None)
    client = redis.from_url(redis_url)
    stale = list(client.scan_iter(match=f"{prefix}*"))
    if stale:
        client.delete(*stale)
    client.close()


def lookups(router, cache: str, result: str) -> float:
    text = urllib.request.urlopen(f"{router.url}/metrics", timeout=5).read().decode()
    match = re.search(rf'^graft_cache_lookups_total{{cache="{cache}",result="{result}"}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def bearer(keys, user_id: int, granted) -> dict[str, str]:
    token = issue_access_token(keys, TokenSettings(), subject=str(user_id), kind="user", scopes=granted)
    return {"Authorization": f"Bearer {token}"}


def first_product(body: dict) -> dict:
    assert "errors" not in body, body
    return body["data"]["me"]["orders"]["edges"][0]["node"]["items"][0]["product"]


def test_entities_and_plans_are_shared_and_a_catalog_write_invalidates(cached_stack):
    (one, two), keys, _ = cached_stack
    ada = bearer(keys, 1, scopes.SHOPPER)
    product = first_product(post_graphql(one.graphql_url, ORDERED, headers=ada))
    assert lookups(one, "entity", "miss") >= 1 and lookups(one, "plan_redis", "miss") == 1

    hits = lookups(two, "entity", "hit")
    assert first_product(post_graphql(two.graphql_url, ORDERED, headers=ada)) == product
    assert lookups(two, "entity", "hit") > hits  # the catalog's public answer, cached by router one
    assert lookups(two, "plan_redis", "hit") == 1 and lookups(two, "plan_redis", "miss") == 0  # never planned

    renamed = f"Renamed {uuid4().hex[:6]}"
    body = post_graphql(one.graphql_url, RENAME, {"id": product["id"], "name": renamed},
                        headers=bearer(keys, 2, scopes.ADMIN_SCOPES))
    assert body["data"]["updateProduct"]["name"] == renamed, body
    for router in (one, two):
        assert first_product(post_graphql(router.graphql_url, ORDERED, headers=ada)) == {**product, "name": renamed}


def status_of(url: str, query: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(),
                                     {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def form(url: str, fields: dict[str, str]) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, urllib.parse.urlencode(fields).encode()), timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def test_a_token_revoked_at_users_is_refused_by_every_subgraph_and_both_routers(cached_stack):
    """Every subgraph verifies through users' JWKS; the deny list in Redis, under the one prefix,
    is what refuses a token users revoked, though its signature stays good."""
    routers, _, subgraphs = cached_stack
    users = subgraphs["users"]
    grant = form(f"{users.url}/oauth/token", {"grant_type": "password", "client_id": "storefront",
                                               "username": "ada@example.com", "password": "lovelace-1815"})
    token = grant["access_token"]
    services = [s.graphql_url for s in subgraphs.values()] + [r.graphql_url for r in routers]
    for url in services:
        assert status_of(url, "{ __typename }", token)[0] == 200, url
    form(f"{users.url}/oauth/revoke", {"token": token, "client_id": "storefront"})
    for url in services:
        status, body = status_of(url, "{ __typename }", token)
        assert status == 401 and "revoked" in body, (url, status, body)
