"""Limits, demand control, APQ, trusted documents and introspection off, through `graft serve`
over the four real subgraphs and the project's own supergraph (its @listSize and @cost)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.support.processes import start_router

STOREFRONT = "query Storefront { products(first: 3) { edges { node { name price { amount } } } } }"


@pytest.fixture(scope="module")
def router(sqlite_stack, tmp_path_factory):
    base = tmp_path_factory.mktemp("limits-router")
    manifest = base / "manifest.json"
    manifest.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": "storefront-v1", "name": "Storefront", "type": "query", "body": STOREFRONT}]}))
    settings = ("operation_limits:\n  max_cost: 1000\n  tiers:\n    anonymous: {max_cost: 200}\n"
                f"persisted_queries:\n  manifest: {manifest}\n")
    router = start_router("router-limits", sqlite_stack, base, settings, {"GRAFT_INTROSPECTION": "false"})
    yield router
    router.stop()


def _post(router, body: dict) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
    request = urllib.request.Request(router.graphql_url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_page_within_the_tier_cost_runs_and_a_bigger_one_is_refused(router):
    status, body = _post(router, {"query": STOREFRONT})
    assert status == 200 and len(body["data"]["products"]["edges"]) == 3, body
    big = "{ products(first: 100) { edges { node { name category { name } } } } }"
    status, body = _post(router, {"query": big})
    assert status == 400 and "data" not in body
    # connection 1 + 100 edges × (edge 1 + node 1 + category 1), from @listSize(slicingArguments: ["first"])
    assert body["errors"][0]["extensions"] == {"code": "COST_ESTIMATED_TOO_EXPENSIVE", "limit": "max_cost",
                                               "measured": 301, "maximum": 200}


def test_apq_round_trip_through_the_real_router(router):
    query = '{ product(id: "7") { name } }'
    sha = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    status, body = _post(router, {"extensions": extensions})
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    status, body = _post(router, {"query": query, "extensions": extensions})
    assert status == 200 and body["data"]["product"]["name"], body
    url = router.graphql_url + "?" + urllib.parse.urlencode({"extensions": json.dumps(extensions)})
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=20) as resp:
        assert json.loads(resp.read()) == body


def test_a_trusted_document_by_id(router):
    status, body = _post(router, {"documentId": "storefront-v1"})
    assert status == 200 and len(body["data"]["products"]["edges"]) == 3, body


def test_introspection_is_off_by_environment(router):
    status, body = _post(router, {"query": "{ __schema { types { name } } }"})
    assert status == 400 and "introspection has been disabled" in body["errors"][0]["message"]
