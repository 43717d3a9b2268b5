"""The catalog's Cache-Control answers, and its Redis product cache (real Redis): a cached
lookup runs no SQL, a write invalidates the rows and every router's entity versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer

from router.features import entity_cache
from subgraphs.catalog import cache
from subgraphs.catalog.cache import CatalogCacheSettings
from subgraphs.catalog.service import create_app
from subgraphs.common.app import DATABASE
from subgraphs.common.settings import ServiceSettings
from tests.support.apps import ADMIN, bearer

ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name price { amount } } } }'
BY_SKU = 'query($s: String) { product(sku: $s) { id name } }'
UPDATE = 'mutation($id: ID!, $name: String) { updateProduct(id: $id, input: {name: $name}) { id name } }'


def reps(*ids: int) -> dict:
    return {"r": [{"__typename": "Product", "id": str(i)} for i in ids]}


@asynccontextmanager
async def catalog(tmp_path: Path, redis_url: str | None = None, **extra: str) -> AsyncIterator[TestClient]:
    settings = ServiceSettings(name="catalog", port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
                                redis_url=redis_url, extra=extra)
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def post(client: TestClient, query: str, variables: dict | None = None, headers: dict | None = None):
    resp = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {})
    return resp.headers.get("Cache-Control"), await resp.json()


async def test_cache_control_says_who_may_keep_an_answer(tmp_path):
    async with catalog(tmp_path) as client:
        assert (await post(client, '{ product(id: "1") { name price { amount } } }'))[0] == "public, max-age=60"
        assert (await post(client, ENTITIES, reps(1, 2)))[0] == "public, max-age=60"
        stock_reader = bearer(1, ADMIN)
        assert (await post(client, '{ product(id: "1") { stock } }', headers=stock_reader))[0] == "private, max-age=60"
        assert (await post(client, '{ product(id: "1") { stock } }'))[0] == "no-store"  # refused: an error
        private_entity = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { costPrice { amount } } } }'
        assert (await post(client, private_entity, reps(1)))[0] == "private, max-age=60"
        fragment = '{ products(first: 1) { edges { node { ...F } } } } fragment F on Product { stock }'
        assert (await post(client, fragment, headers=stock_reader))[0] == "private, max-age=60"
        header, body = await post(client, UPDATE, {"id": "1", "name": "X"}, bearer(1, ADMIN))
        assert header == "no-store" and body["data"]["updateProduct"]["name"] == "X"
        header, body = await post(client, '{ product(id: "1", sku: "a") { name } }')
        assert header == "no-store" and body["errors"]


async def test_max_age_zero_turns_sharing_off_and_bad_values_are_refused(tmp_path, monkeypatch):
    async with catalog(tmp_path, catalog_cache_max_age="0") as client:
        assert (await post(client, '{ product(id: "1") { name } }'))[0] == "no-store"
    monkeypatch.setenv("CATALOG_PRODUCT_CACHE_TTL", "soon")
    with pytest.raises(ValueError, match="CATALOG_PRODUCT_CACHE_TTL must be a whole number of seconds"):
        CatalogCacheSettings.from_env()


def test_router_and_catalog_name_entity_versions_alike():
    assert cache.version_key("p:", "Product", "id", 7) == entity_cache.version_key("p:", "Product", "id", "7")


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    return redis_prefix


async def test_cached_lookups_run_no_sql_and_writes_invalidate(tmp_path, redis_url, prefix):
    async with catalog(tmp_path, redis_url, graft_redis_key_prefix=prefix) as client:
        db = client.app[DATABASE]
        first = await post(client, ENTITIES, reps(1, 2, 3))
        before = db.statement_count
        again = await post(client, ENTITIES, reps(3, 1, 2))
        assert db.statement_count == before  # all three from Redis: 0 SQL statements
        assert again[1]["data"]["_entities"] == [first[1]["data"]["_entities"][i] for i in (2, 0, 1)]
        sku = (await post(client, '{ product(id: "2") { sku } }'))[1]["data"]["product"]["sku"]
        await post(client, BY_SKU, {"s": sku})
        before = db.statement_count
        assert (await post(client, BY_SKU, {"s": sku}))[1]["data"]["product"]["id"] == "2"
        assert db.statement_count == before

        redis = aioredis.from_url(redis_url)
        try:
            assert await redis.get(f"{prefix}entity-version:Product:id=1") is None
            await post(client, UPDATE, {"id": "1", "name": "Renamed Lamp"}, bearer(1, ADMIN))
            assert await redis.get(f"{prefix}catalog:product:id:1") is None
            assert await redis.get(f"{prefix}entity-version:Product:id=1") is not None
            category = (await post(client, '{ product(id: "1") { category { id } } }'))[1]["data"]["product"]["category"]
            assert await redis.get(f"{prefix}entity-version:Category:id={category['id']}") is not None
            names = [e["name"] for e in (await post(client, ENTITIES, reps(1, 2)))[1]["data"]["_entities"]]
            assert names[0] == "Renamed Lamp" and names[1] == first[1]["data"]["_entities"][1]["name"]
        finally:
            await redis.aclose()


async def test_stock_changes_invalidate_too(tmp_path, redis_url, prefix):
    adjust = 'mutation { adjustStock(productId: "4", delta: 5) { stock } }'
    stock = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock } } }'
    async with catalog(tmp_path, redis_url, graft_redis_key_prefix=prefix) as client:
        reader = bearer(1, ADMIN)
        before = (await post(client, stock, reps(4), reader))[1]["data"]["_entities"][0]["stock"]
        await post(client, stock, reps(4), reader)
        after = (await post(client, adjust, headers=bearer(1, ADMIN)))[1]["data"]["adjustStock"]["stock"]
        assert after == before + 5
        assert (await post(client, stock, reps(4), reader))[1]["data"]["_entities"][0]["stock"] == after


async def test_redis_down_reads_from_sql(tmp_path):
    async with catalog(tmp_path, "redis://127.0.0.1:1/0") as client:
        header, body = await post(client, ENTITIES, reps(1, 2))
        assert [e["id"] for e in body["data"]["_entities"]] == ["1", "2"] and header == "public, max-age=60"
        header, body = await post(client, UPDATE, {"id": "1", "name": "Still Works"}, bearer(1, ADMIN))
        assert body["data"]["updateProduct"]["name"] == "Still Works"


async def test_answers_are_json_and_a_body_that_is_not_is_refused(tmp_path):
    """The strawberry view reads and writes with orjson: the same answers, the same refusals."""
    async with catalog(tmp_path) as client:
        for _ in range(2):  # the second time from the document and coordinate caches
            resp = await client.post("/graphql", json={"query": '{ product(id: "1") { name } }'})
            assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
            assert resp.headers["Cache-Control"] == "public, max-age=60"
            assert (await resp.json())["data"]["product"]["name"]
        refused = await client.post("/graphql", data=b'{"query": ', headers={"Content-Type": "application/json"})
        assert refused.status == 400
