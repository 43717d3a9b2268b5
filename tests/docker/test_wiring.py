"""compose.yaml and the dev overlay, wired as they say: every service started here as a real process
with exactly the command and environment the file gives it (hostnames, ports, PostgreSQL, Redis and
paths mapped onto this machine; tests/docker/stack.py), the migration first. Then, through the
router only, as a client would: sign in, a signed-in query, revoke the token and be refused (401,
on every router worker), and place and pay an order, which the events carry to PAID."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tests.docker.stack import Localizer, drop_schemas, from_compose, from_kubernetes, logs, run_stack
from tests.support import services
from tests.support.redis_server import ThrowawayRedis

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SHOPPER = {"grant_type": "password", "client_id": "storefront", "username": "ada@example.com",
           "password": "lovelace-1815"}  # README's demo shopper, seeded by the migration
ME = "{ me { name orders(first: 1) { edges { node { number } } } } }"
PLACE = "mutation Place($items: [OrderItemInput!]!) { placeOrder(items: $items) { id status } }"
PAY = 'mutation Pay($id: ID!) { payOrder(orderId: $id, paymentMethod: "pm_card_visa") { status } }'
ORDER = "query Order($id: ID!) { order(id: $id) { status } }"


def call(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data, headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as resp:
            return resp.status, json.loads(resp.read() or b"{}")  # a revocation answers 200 with no body
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def oauth(router: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    return call(f"{router}/oauth/{path}", urllib.parse.urlencode(form).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})


def graphql(router: str, token: str, query: str, variables: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    return call(f"{router}/graphql", body, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})


def sign_in(router: str) -> str:
    status, body = oauth(router, "token", SHOPPER)
    assert status == 200, body
    token: str = body["access_token"]
    return token


@pytest.fixture(scope="module")
def schema_prefix(postgres_url):
    """One set of schemas for both stacks: the first migration creates and seeds them, the second
    finds them at head and seeded (what a redeploy's migration does), and is quick."""
    prefix = services.unique_schema_prefix()
    yield prefix
    drop_schemas(postgres_url, prefix)


@pytest.fixture(params=["compose", "kubernetes-dev"])
def router(request, postgres_url, schema_prefix, tmp_path):
    services.program("redis-server", "redis-server (Debian's redis-server)")
    declared = from_compose() if request.param == "compose" else from_kubernetes("dev")
    redis = ThrowawayRedis().start()  # the stack's streams, groups and limits collide with nobody's
    stack = run_stack(declared, Localizer(tmp_path, declared.hosts, postgres_url, schema_prefix, redis.url))
    try:
        try:
            yield next(stack).url
        except Exception as exc:
            raise AssertionError(f"{exc}\n{logs(tmp_path)}") from exc
    finally:
        stack.close()
        redis.stop()


def test_a_client_signs_in_queries_is_revoked_and_orders_through_the_router(router, tmp_path):
    token = sign_in(router)
    status, body = graphql(router, token, ME)
    assert (status, body.get("errors")) == (200, None), body
    assert body["data"]["me"]["name"] and body["data"]["me"]["orders"]["edges"], body

    status, body = oauth(router, "revoke", {"token": token, "client_id": "storefront"})
    assert status == 200, body
    refused = [graphql(router, token, ME)[0] for _ in range(8)]  # new connections: both workers in compose
    assert refused == [401] * 8, logs(tmp_path)

    token = sign_in(router)
    status, body = graphql(router, token, PLACE, {"items": [{"productId": "1", "quantity": 1}]})
    assert status == 200 and body["data"]["placeOrder"]["status"] == "PENDING_PAYMENT", body
    order = body["data"]["placeOrder"]["id"]
    status, body = graphql(router, token, PAY, {"id": order})
    assert status == 200 and body["data"]["payOrder"]["status"] == "SUCCEEDED", body
    deadline = time.monotonic() + 20
    while (seen := graphql(router, token, ORDER, {"id": order})[1])["data"]["order"]["status"] != "PAID":
        assert time.monotonic() < deadline, f"{seen}\n{logs(tmp_path)}"
        time.sleep(0.2)
