"""Caches across real processes on real Redis: the four subgraphs and two `graft serve` routers
share one key prefix; a catalog mutation through one router invalidates what both have cached."""

from __future__ import annotations

import re
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
    settings = f"redis: {{url: '{redis_url}', key_prefix: '{prefix}'}}\ncache: {{entity: true}}\n"
    routers = [start_router(f"router{i}", subgraphs, base, settings) for i in (1, 2)]
    keys = KeyStore.open(base / "keys" / "signing-keys.json")
    yield routers, keys
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
    (one, two), keys = cached_stack
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
