"""The entity cache through a real gateway over real subgraphs, in process and in real Redis:
hits, partial hits merged in order, TTL expiry, per-caller isolation, errors, invalidation."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
import redis.asyncio as aioredis

from router.config import load_settings
from router.features.entity_cache import Storable, storable, version_key
from router.features.metrics import CACHE_LOOKUPS
from router.gateway import Gateway
from tests.router.features.entity_subgraphs import ItemsState, start

QUERY = "query($ids: [ID!]!) { items(ids: $ids) { id name owner } }"


def entity_lookups(result: str) -> float:
    return CACHE_LOOKUPS.labels("entity", result)._value.get()


@pytest.fixture(params=["in-process", pytest.param("redis", marks=pytest.mark.redis)])
async def stack(request):
    """(gateway factory, subgraph state, key prefix or None)."""
    state = ItemsState()
    server, sdl = await start(state)
    redis_url, prefix = None, f"test:{uuid4().hex}:"
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
    gateways: list[Gateway] = []

    def make(**cache) -> Gateway:
        settings = load_settings(redis={"url": redis_url, "key_prefix": prefix},
                                 cache={"entity": True, **cache}, include_subgraph_errors={"all": True})
        gateways.append(Gateway.from_settings(sdl, settings))
        return gateways[-1]

    yield make, state, prefix if redis_url else None
    for gateway in gateways:
        await gateway.close()
    await server.close()
    if redis_url:
        client = aioredis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def run(gateway: Gateway, ids: list[str], token: str | None = None) -> dict:
    return await gateway.execute_query(QUERY, {"ids": ids}, headers={"Authorization": token} if token else {})


def names(result: dict) -> list[str]:
    return [item["name"] for item in result["data"]["items"]]


async def test_identical_requests_reach_the_subgraph_once(stack):
    make, state, _ = stack
    gateway = make()
    hits_before = entity_lookups("hit")
    first = await run(gateway, ["1", "2"])
    second = await run(gateway, ["1", "2"])
    assert first == second and names(first) == ["item 1", "item 2"] and "errors" not in first
    assert state.sent == [["1", "2"]] and entity_lookups("hit") == hits_before + 2


async def test_only_misses_are_fetched_and_merged_in_order(stack):
    make, state, _ = stack
    gateway = make()
    await run(gateway, ["2"])
    result = await run(gateway, ["1", "2", "3", "2"])
    assert names(result) == ["item 1", "item 2", "item 3", "item 2"]
    assert state.sent == [["2"], ["1", "3"]]


async def test_a_batch_fetch_caches_each_of_its_entities_fields(stack):
    from graphql import parse

    make, state, _ = stack
    gateway = make()
    query = "query($a: [ID!]!, $b: [ID!]!) { a: items(ids: $a) { name } b: items(ids: $b) { owner } }"
    document = parse(query)
    assert "BatchFetch" in gateway.plan(document, None).pretty()

    async def ask(a: list[str], b: list[str]) -> dict:
        return await gateway.execute_query(query, {"a": a, "b": b})

    first = await ask(["1", "2"], ["2"])
    assert first == await ask(["1", "2"], ["2"])
    third = await ask(["2", "4"], ["3", "2"])
    assert [i["name"] for i in third["data"]["a"]] == ["item 2", "item 4"]
    assert third["data"]["b"] == [{"owner": None}, {"owner": None}] and "errors" not in third
    assert state.sent == [["1", "2", "2"], ["4", "3"]]  # the second ask sent nothing


async def test_entries_expire_with_max_age(stack):
    make, state, _ = stack
    state.cache_control = "public, max-age=1"
    gateway = make()
    await run(gateway, ["1"])
    await run(gateway, ["1"])
    await asyncio.sleep(1.1)
    await run(gateway, ["1"])
    assert state.sent == [["1"], ["1"]]


async def test_max_ttl_caps_what_the_subgraph_asks(stack):
    make, state, _ = stack
    state.cache_control = "public, max-age=3600"
    gateway = make(max_ttl=1)
    await run(gateway, ["1"])
    await asyncio.sleep(1.1)
    await run(gateway, ["1"])
    assert state.sent == [["1"], ["1"]]


@pytest.mark.parametrize("header", [None, "no-store", "public, no-cache, max-age=60", "public", "max-age=0"])
async def test_answers_without_a_lifetime_are_not_cached(stack, header):
    make, state, _ = stack
    state.cache_control = header
    gateway = make()
    await run(gateway, ["1"])
    await run(gateway, ["1"])
    assert state.sent == [["1"], ["1"]]


async def test_private_answers_are_kept_per_caller_only(stack):
    make, state, _ = stack
    state.cache_control = "private, max-age=60"
    gateway = make()
    ada, bob = "Bearer ada", "Bearer bob"
    first_ada = await run(gateway, ["1"], ada)
    first_bob = await run(gateway, ["1"], bob)
    again_ada = await run(gateway, ["1"], ada)
    again_bob = await run(gateway, ["1"], bob)
    assert first_ada["data"]["items"][0]["owner"] == again_ada["data"]["items"][0]["owner"] == ada
    assert first_bob["data"]["items"][0]["owner"] == again_bob["data"]["items"][0]["owner"] == bob
    assert state.sent == [["1"], ["1"]]  # one fetch per caller, then hits
    await run(gateway, ["1"])
    await run(gateway, ["1"])  # anonymous: a private answer has nobody to be kept for
    assert state.sent == [["1"], ["1"], ["1"], ["1"]]


async def test_public_answers_are_shared_by_callers(stack):
    make, state, _ = stack
    gateway = make()
    await run(gateway, ["1"], "Bearer ada")
    result = await run(gateway, ["1"], "Bearer bob")
    await run(gateway, ["1"])
    assert state.sent == [["1"]] and result["data"]["items"][0]["owner"] == "Bearer ada"


async def test_entities_with_errors_are_not_cached(stack):
    make, state, _ = stack
    gateway = make()
    first = await run(gateway, ["1", "bad"])
    second = await run(gateway, ["1", "bad"])
    assert state.sent == [["1", "bad"], ["bad"]]
    assert first == second and names(first) == ["item 1", None]
    assert first["errors"][0]["message"] == "no such item" and first["errors"][0]["path"] == ["items", 1, "name"]


async def test_an_error_naming_no_entity_caches_nothing(stack):
    make, state, _ = stack
    gateway = make()
    await run(gateway, ["1", "boom"])
    await run(gateway, ["1"])
    assert state.sent == [["1", "boom"], ["1"]]


@pytest.mark.redis
@pytest.mark.parametrize("stack", ["redis"], indirect=True)  # versions and sharing live in Redis
async def test_routers_share_entities_and_a_version_bump_invalidates(stack, request):
    make, state, prefix = stack
    first, second = make(), make()
    await run(first, ["1", "2"])
    assert names(await run(second, ["1", "2"])) == ["item 1", "item 2"] and state.sent == [["1", "2"]]
    state.names["1"] = "renamed"
    client = aioredis.from_url(request.getfixturevalue("redis_url"))
    await client.set(version_key(prefix, "Item", "id", "1"), "2", ex=60)  # what the catalog does on a write
    await client.aclose()
    assert names(await run(second, ["1", "2"])) == ["renamed", "item 2"] and state.sent[-1] == ["1"]


async def test_redis_down_fetches_everything_and_caches_nothing():
    state = ItemsState()
    server, sdl = await start(state)
    settings = load_settings(redis={"url": "redis://127.0.0.1:1/0"}, cache={"entity": True, "plan_redis": False})
    gateway = Gateway.from_settings(sdl, settings)
    try:
        assert names(await run(gateway, ["1"])) == names(await run(gateway, ["1"])) == ["item 1"]
        assert state.sent == [["1"], ["1"]]
    finally:
        await gateway.close()
        await server.close()


async def test_entity_cache_is_off_by_default():
    state = ItemsState()
    server, sdl = await start(state)
    gateway = Gateway.from_settings(sdl, load_settings())
    try:
        await run(gateway, ["1"])
        await run(gateway, ["1"])
        assert gateway.caches.entities is None and state.sent == [["1"], ["1"]]
    finally:
        await gateway.close()
        await server.close()


@pytest.mark.parametrize(("header", "has_caller", "expected"), [
    ("public, max-age=60", False, Storable(False, 60)),
    ("public, max-age=60, s-maxage=10", True, Storable(False, 10)),
    ("max-age=60", False, Storable(False, 60)),
    ("max-age=60", True, Storable(True, 60)),  # credentials without `public`: per caller
    ("private, max-age=60", True, Storable(True, 60)),
    ("private, max-age=60", False, None),
    ("PUBLIC, MAX-AGE=5000", False, Storable(False, 300)),  # capped by max_ttl
    ("public", False, None),  # default_ttl 0
    ("public, max-age=nope", False, None),
    ("no-store, max-age=60", False, None),
    ("", False, None),
    (None, False, None),
])
def test_cache_control_reading(header, has_caller, expected):
    assert storable(header, has_caller=has_caller, default_ttl=0, max_ttl=300) == expected
    if expected is None and header == "public":
        assert storable(header, has_caller=False, default_ttl=30, max_ttl=300) == Storable(False, 30)
