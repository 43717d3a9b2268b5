"""APQ as Apollo clients speak it, trusted documents from a manifest, and the safelist, through
the real aiohttp app; APQ storage in process and in a real Redis shared by two app instances."""

from __future__ import annotations

import hashlib
import json
from uuid import uuid4

import pytest

from auth.tokens import Claims
from router.config import ConfigError, load_settings
from router.features.apq_store import MemoryApqStore
from router.pipeline import Caller
from router.features.persisted import PersistedDocuments
from router.features.trusted_documents import ManifestError, load_manifest
from tests.router.server.local_gateway import LocalGateway
from tests.support.services import REDIS_URL, unavailable

ACCEPT = {"Accept": "application/graphql-response+json"}
HELLO = '{ hello(name: "apq") }'
LISTED = "query Listed { version }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str | None = None, hash_: str | None = None) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": hash_ or sha(text or "")}}


def manifest(tmp_path, data) -> str:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data))
    return str(path)


def apollo_manifest(tmp_path) -> str:
    return manifest(tmp_path, {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": sha(LISTED), "name": "Listed", "type": "query", "body": LISTED}]})


async def post(client, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    resp = await client.post("/graphql", json=body, headers=headers or ACCEPT)
    return resp.status, await resp.json()


async def test_apq_hash_only_then_register_then_hit(make_client):
    gateway = LocalGateway()
    client = await make_client(load_settings(), gateway)
    status, body = await post(client, {"extensions": persisted(HELLO)})
    assert status == 200 and body == {"errors": [{"message": "PersistedQueryNotFound",
                                                  "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    assert gateway.requests == []
    status, body = await post(client, {"query": HELLO, "extensions": persisted(HELLO)})
    assert status == 200 and body == {"data": {"hello": "hello apq"}}
    status, body = await post(client, {"extensions": persisted(HELLO)})
    assert status == 200 and body == {"data": {"hello": "hello apq"}}


async def test_apq_over_get_with_the_extensions_url_parameter(make_client):
    client = await make_client(load_settings())
    await post(client, {"query": HELLO, "extensions": persisted(HELLO)})
    resp = await client.get("/graphql", params={"extensions": json.dumps(persisted(HELLO))}, headers=ACCEPT)
    assert resp.status == 200 and await resp.json() == {"data": {"hello": "hello apq"}}
    mutation = "mutation { bump }"
    await post(client, {"query": mutation, "extensions": persisted(mutation)})
    resp = await client.get("/graphql", params={"extensions": json.dumps(persisted(mutation))}, headers=ACCEPT)
    assert resp.status == 405  # a stored mutation still cannot run over GET


async def test_a_wrong_hash_is_refused_and_nothing_is_stored(make_client):
    gateway = LocalGateway()
    client = await make_client(load_settings(), gateway)
    wrong = sha("something else")
    status, body = await post(client, {"query": HELLO, "extensions": persisted(hash_=wrong)})
    assert status == 400 and body["errors"][0] == {"message": "provided sha does not match query",
                                                   "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"}}
    status, body = await post(client, {"extensions": persisted(hash_=wrong)})
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert gateway.requests == []


async def test_an_invalid_or_over_limit_document_is_not_stored(make_client):
    client = await make_client(load_settings(operation_limits={"max_aliases": 0}))
    for query in ("{ nope }", '{ a: hello(name: "x") }'):
        status, body = await post(client, {"query": query, "extensions": persisted(query)})
        assert status == 400 and "data" not in body
        status, body = await post(client, {"extensions": persisted(query)})
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_malformed_persisted_query_extensions(make_client):
    client = await make_client(load_settings())
    for extension, words in (({"version": 2, "sha256Hash": sha(HELLO)}, "Unsupported persisted query version 2"),
                             ({"version": 1}, "sha256Hash must be a non-empty string"),
                             ("abc", "must be an object")):
        status, body = await post(client, {"extensions": {"persistedQuery": extension}})
        assert status == 400 and words in body["errors"][0]["message"]
    status, body = await post(client, {"query": HELLO, "documentId": "x"})
    assert status == 400 and "either 'query' or 'documentId'" in body["errors"][0]["message"]
    status, body = await post(client, {"extensions": {}})
    assert status == 400 and body["errors"][0]["message"] == "The request has no 'query' parameter."


async def test_apq_can_be_turned_off(make_client):
    client = await make_client(load_settings(persisted_queries={"apq_enabled": False}))
    status, body = await post(client, {"query": HELLO, "extensions": persisted(HELLO)})
    assert status == 200 and body == {"data": {"hello": "hello apq"}}
    status, body = await post(client, {"extensions": persisted(HELLO)})
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_manifest_documents_by_document_id_and_by_hash(make_client, tmp_path):
    settings = load_settings(persisted_queries={"manifest": apollo_manifest(tmp_path)})
    client = await make_client(settings)
    for request in ({"documentId": sha(LISTED)}, {"documentId": f"sha256:{sha(LISTED)}"},
                    {"extensions": persisted(LISTED)}):
        status, body = await post(client, request)
        assert status == 200 and body == {"data": {"version": "v1"}}, request
    resp = await client.get("/graphql", params={"documentId": sha(LISTED)}, headers=ACCEPT)
    assert resp.status == 200 and await resp.json() == {"data": {"version": "v1"}}
    status, body = await post(client, {"documentId": "nope"})
    assert status == 400 and body["errors"][0] == {"message": "No persisted document has the id 'nope'.",
                                                   "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}


async def test_plain_map_manifest(make_client, tmp_path):
    settings = load_settings(persisted_queries={"manifest": manifest(tmp_path, {"greet": HELLO})})
    client = await make_client(settings)
    status, body = await post(client, {"documentId": "greet"})
    assert status == 200 and body == {"data": {"hello": "hello apq"}}


async def test_safelist_for_everyone_runs_only_listed_documents(make_client, tmp_path):
    gateway = LocalGateway()
    settings = load_settings(persisted_queries={"manifest": apollo_manifest(tmp_path), "safelist": "all"})
    client = await make_client(settings, gateway)
    for request in ({"query": HELLO}, {"query": HELLO, "extensions": persisted(HELLO)},
                    {"extensions": persisted(HELLO)}):
        status, body = await post(client, request)
        assert status == 400 and body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST", request
    assert gateway.requests == []
    assert await post(client, {"query": LISTED}) == (200, {"data": {"version": "v1"}})  # the listed text itself
    assert await post(client, {"documentId": sha(LISTED)}) == (200, {"data": {"version": "v1"}})


async def test_safelist_per_client_holds_only_the_listed_callers(make_client, tmp_path):
    path = apollo_manifest(tmp_path)
    anonymous_listed = await make_client(load_settings(persisted_queries={
        "manifest": path, "safelist": "clients", "safelist_clients": ["anonymous"]}))
    status, body = await post(anonymous_listed, {"query": HELLO})
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    partners_only = await make_client(load_settings(persisted_queries={
        "manifest": path, "safelist": "clients", "safelist_clients": ["partner-standard"]}))
    assert await post(partners_only, {"query": HELLO}) == (200, {"data": {"hello": "hello apq"}})


def test_who_the_client_safelist_holds(tmp_path):
    settings = load_settings(persisted_queries={"manifest": apollo_manifest(tmp_path), "safelist": "clients",
                                                "safelist_clients": ["partner-standard", "client:other"]})
    documents = PersistedDocuments.from_settings(settings)

    def partner(client_id: str, tier: str) -> Caller:
        return Caller(Claims(client_id, "client", frozenset(), client_id, "j", 0, 0, {"tier": tier}), "127.0.0.1")

    assert documents.safelisted(partner("acme-partner", "partner-standard"))
    assert documents.safelisted(partner("other", "partner-gold"))
    assert not documents.safelisted(partner("third", "partner-gold"))
    assert not documents.safelisted(Caller(None, "127.0.0.1"))


def test_bad_manifests_stop_the_start(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    cases = {
        str(tmp_path / "missing.json"): "cannot read the persisted query manifest",
        str(tmp_path / "broken.json"): "is not valid JSON",
        manifest(tmp_path, {"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}): "version 1",
        manifest(tmp_path, {"format": "apollo-persisted-query-manifest", "version": 1,
                            "operations": [{"id": "a"}]}): "operations[0] needs string 'id' and 'body'",
        manifest(tmp_path, {"a": 1}): "the body of 'a' must be a string",
        manifest(tmp_path, ["a"]): "a manifest is a JSON object",
    }
    for path, words in cases.items():
        with pytest.raises(ManifestError, match=words.replace("[", r"\[").replace("]", r"\]")):
            load_manifest(__import__("pathlib").Path(path))
        with pytest.raises(ConfigError):
            PersistedDocuments.from_settings(load_settings(persisted_queries={"manifest": path}))
    with pytest.raises(ConfigError, match="safelist: all needs a manifest"):
        load_settings(persisted_queries={"safelist": "all"})


async def test_in_process_store_is_a_bounded_lru():
    store = MemoryApqStore(2)
    await store.put("a", "A")
    await store.put("b", "B")
    assert await store.get("a") == "A"  # a is now the most recent
    await store.put("c", "C")
    assert (await store.get("a"), await store.get("b"), await store.get("c")) == ("A", None, "C")


async def test_apq_in_redis_is_shared_by_two_router_instances(make_client):
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await redis.ping()
    except Exception:
        await redis.aclose()
        unavailable("Redis")
    prefix = f"test:{uuid4().hex}:"
    settings = load_settings(redis={"url": REDIS_URL, "key_prefix": prefix}, persisted_queries={"apq_ttl": 120})
    try:
        first, second = await make_client(settings), await make_client(settings)
        status, body = await post(second, {"extensions": persisted(HELLO)})
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert await post(first, {"query": HELLO, "extensions": persisted(HELLO)}) == (200, {"data": {"hello": "hello apq"}})
        assert await post(second, {"extensions": persisted(HELLO)}) == (200, {"data": {"hello": "hello apq"}})
        key = f"{prefix}apq:{sha(HELLO)}"
        assert await redis.get(key) == HELLO and 0 < await redis.ttl(key) <= 120
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_apq_lookups_are_counted_for_metrics(make_client):
    from router.features.metrics import CACHE_LOOKUPS

    client = await make_client()
    query = "{ version }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    hits, misses = (CACHE_LOOKUPS.labels("apq", r)._value.get() for r in ("hit", "miss"))
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    await client.post("/graphql", json={"extensions": extensions})
    await client.post("/graphql", json={"query": query, "extensions": extensions})
    await client.post("/graphql", json={"extensions": extensions})
    assert CACHE_LOOKUPS.labels("apq", "miss")._value.get() == misses + 1
    assert CACHE_LOOKUPS.labels("apq", "hit")._value.get() == hits + 1


async def test_apq_with_redis_unreachable_misses_and_logs_once(make_client, caplog):
    import logging

    from tests.support.processes import free_port

    caplog.set_level(logging.WARNING, "graft.redis")
    client = await make_client(load_settings(redis={"url": f"redis://127.0.0.1:{free_port()}/0"}))
    for _ in range(3):
        status, body = await post(client, {"extensions": persisted(HELLO)})
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert await post(client, {"query": HELLO, "extensions": persisted(HELLO)}) == (200, {"data": {"hello": "hello apq"}})
    assert len([r for r in caplog.records if "APQ" in r.getMessage()]) == 1
