"""The product as clients use it: four real subgraph processes, and `graft serve` over the
supergraph composed from them, spoken to over HTTP."""

import json
import urllib.error
import urllib.request

import pytest

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from router.schema_files import SUPERGRAPH
from tests.support.processes import start_graft, start_router


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from tests.conftest import _stack

    base = tmp_path_factory.mktemp("stack")
    running = _stack(base, {})
    subgraphs = next(running)
    router = start_router("router", subgraphs, base, f"auth:\n  authorization_server: {subgraphs['users'].url}\n")
    keys = KeyStore.open(base / "keys" / "signing-keys.json")
    yield router, keys
    router.stop()
    next(running, None)


def _post(router, query: str, variables: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(router.graphql_url, json.dumps({"query": query, "variables": variables or {}}).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _token(keys, user_id: int, granted=scopes.SHOPPER) -> str:
    return issue_access_token(keys, TokenSettings(), subject=str(user_id), kind="user", scopes=granted)


def test_storefront_query_spans_catalog_and_orders(stack):
    router, _ = stack
    status, body = _post(router, """{ products(first: 3, search: "lamp") { totalCount
        edges { node { name price { amount currency } shippingEstimate { amount } category { name } } } } }""")
    assert status == 200 and "errors" not in body, body
    node = body["data"]["products"]["edges"][0]["node"]
    assert node["price"]["currency"] == "USD" and node["shippingEstimate"]["amount"] > 0 and node["category"]["name"]


def test_signed_in_user_sees_orders_payments_and_products(stack):
    router, keys = stack
    status, body = _post(router, """{ me { name orders(first: 2) { totalCount edges { node { number paymentStatus
        payments { status } items { quantity product { name sku } } } } } } }""", token=_token(keys, 1))
    assert status == 200 and "errors" not in body, body
    me = body["data"]["me"]
    assert me["name"] == "Ada Lovelace" and me["orders"]["totalCount"] >= 40
    item = me["orders"]["edges"][0]["node"]["items"][0]
    assert item["product"]["name"] and item["product"]["sku"].startswith("SKU-")


def test_place_and_pay_an_order_through_the_router(stack):
    router, keys = stack
    token = _token(keys, 1)
    status, body = _post(router, 'mutation { placeOrder(items: [{productId: "50", quantity: 1}]) { id total { amount } } }',
                         token=token)
    assert status == 200 and "errors" not in body, body
    order = body["data"]["placeOrder"]
    status, body = _post(router, "mutation($id: ID!) { payOrder(orderId: $id, paymentMethod: \"pm_card_visa\") { status amount { amount } } }",
                         {"id": order["id"]}, token)
    assert body["data"]["payOrder"] == {"status": "SUCCEEDED", "amount": {"amount": order["total"]["amount"]}}


def test_inaccessible_fields_are_unknown_to_clients(stack):
    router, _ = stack
    status, body = _post(router, '{ product(id: "1") { costPrice { amount } } }')
    assert status == 400 and "Cannot query field 'costPrice'" in body["errors"][0]["message"]


def test_anonymous_me_is_an_error_at_its_path_not_a_500(stack):
    router, _ = stack
    status, body = _post(router, '{ me { name } product(id: "2") { name } }')
    assert status == 200 and body["data"]["me"] is None and body["data"]["product"]["name"]
    assert body["errors"][0]["path"] == ["me"] and body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


def test_serve_composes_a_supergraph_yaml_at_start(tmp_path):
    import hashlib

    from router.schema_files import SUPERGRAPH_CONFIG

    router = start_graft("router-composing", ["serve", "--supergraph", str(SUPERGRAPH_CONFIG)], {}, tmp_path)
    try:
        health = json.loads(urllib.request.urlopen(f"{router.url}/health", timeout=5).read())
        assert health["supergraph_sha"] == hashlib.sha256(SUPERGRAPH.read_bytes()).hexdigest()
    finally:
        router.stop()


def test_serve_refuses_a_supergraph_yaml_that_does_not_compose(tmp_path):
    import subprocess
    import sys

    from tests.support.processes import ROOT

    (tmp_path / "a.graphql").write_text('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'
                                        "type Query { a: Int }\ntype T @key(fields: \"nope\") { id: ID }")
    (tmp_path / "supergraph.yaml").write_text("subgraphs:\n  a:\n    routing_url: http://127.0.0.1:9/graphql\n"
                                             "    schema: {file: a.graphql}\n")
    result = subprocess.run([sys.executable, "-m", "router", "serve", "--supergraph", str(tmp_path / "supergraph.yaml"),
                             "--port", "9"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "does not compose" in result.stderr and "KEY_INVALID_FIELDS" in result.stderr


def test_variable_defaults_apply_to_conditions_over_http(stack):
    router, _ = stack
    status, body = _post(router, 'query($hide: Boolean = true) { me @skip(if: $hide) { name } product(id: "1") { sku } }')
    assert status == 200 and body == {"data": {"product": {"sku": "SKU-00001"}}}
    status, body = _post(router, "query($first: Int!) { products(first: $first) { totalCount } }", {"first": "two"})
    assert status == 400 and "Int cannot represent" in body["errors"][0]["message"]


def _form(router, path: str, fields: dict, auth: tuple[str, str] | None = None) -> tuple[int, dict]:
    import base64
    import urllib.parse

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    request = urllib.request.Request(f"{router.url}{path}", urllib.parse.urlencode(fields).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_demo_user_signs_in_through_the_router_and_sees_only_their_orders(stack):
    router, _ = stack
    status, grant = _form(router, "/oauth/token", {"grant_type": "password", "client_id": "storefront",
                                                   "username": "ada@example.com", "password": "lovelace-1815"})
    assert status == 200 and grant["token_type"].lower() == "bearer", grant
    status, body = _post(router, "{ me { id orders(first: 50) { edges { node { id buyer { id } } } } } }",
                         token=grant["access_token"])
    assert status == 200 and "errors" not in body, body
    me = body["data"]["me"]
    assert {edge["node"]["buyer"]["id"] for edge in me["orders"]["edges"]} == {me["id"]}
    status, body = _post(router, '{ order(id: "2") { id buyer { id } } }', token=grant["access_token"])
    assert body["data"]["order"] is None or body["data"]["order"]["buyer"]["id"] == me["id"]
    status, _ = _form(router, "/oauth/token", {"grant_type": "password", "client_id": "storefront",
                                               "username": "ada@example.com", "password": "wrong"})
    assert status == 400


def test_partner_reads_the_catalog_and_is_refused_orders(stack):
    router, _ = stack
    status, grant = _form(router, "/oauth/token", {"grant_type": "client_credentials"},
                          ("acme-partner", "acme-partner-secret"))
    assert status == 200, grant
    status, body = _post(router, '{ products(first: 2) { totalCount } order(id: "1") { id } }',
                         token=grant["access_token"])
    assert status == 200 and body["data"]["products"]["totalCount"] > 0 and body["data"]["order"] is None
    assert body["errors"] == [{"message": body["errors"][0]["message"], "path": ["order"],
                               "extensions": {"code": "UNAUTHORIZED"}}]
    assert "orders:read" in body["errors"][0]["message"]


def test_revoked_through_the_router_is_refused_at_once_and_metadata_is_served(stack):
    router, _ = stack
    _, grant = _form(router, "/oauth/token", {"grant_type": "password", "client_id": "storefront",
                                              "username": "ada@example.com", "password": "lovelace-1815"})
    token = grant["access_token"]
    assert _post(router, "{ me { id } }", token=token)[0] == 200
    status, _ = _form(router, "/oauth/revoke", {"token": token, "client_id": "storefront"})
    assert status == 200
    status, body = _post(router, "{ me { id } }", token=token)
    assert status == 401 and "revoked" in body["errors"][0]["message"]
    metadata = json.loads(urllib.request.urlopen(f"{router.url}/.well-known/oauth-authorization-server", timeout=5).read())
    assert metadata["token_endpoint"].endswith("/oauth/token")
    jwks = json.loads(urllib.request.urlopen(f"{router.url}/.well-known/jwks.json", timeout=5).read())
    assert jwks["keys"] and all("d" not in key for key in jwks["keys"])
