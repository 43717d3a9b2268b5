"""/oauth and /.well-known through a real `graft serve` to a real users service: only the four
endpoints the authorization server serves to clients are forwarded, however the path is spelled;
nothing else on the users service (its internal /graphql: `_entities`, `_service`) is reachable."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode

import pytest

from router.server.oauth_proxy import normalized_path
from tests.support.processes import RunningService, start_graft, start_router

ENTITIES = {"query": '{ _service { sdl } _entities(representations: [{__typename: "User", id: "1"}]) '
                     "{ ... on User { email } } }"}


@pytest.fixture(scope="module")
def router(tmp_path_factory) -> RunningService:
    base = tmp_path_factory.mktemp("oauth")
    users = start_graft("users", ["subgraph", "users"], {"GRAFT_DATA_DIR": str(base)}, base)
    router = start_router("router-oauth", {"users": users}, base,
                          f"auth:\n  authorization_server: {users.url}\n")
    yield router
    router.stop()
    users.stop()


def send(router: RunningService, method: str, path: str, body: bytes = b"",
         content_type: str = "application/json") -> tuple[int, bytes]:
    """The request target exactly as given: no client normalizes it on the way."""
    connection = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", [
    "/oauth/%2e%2e/graphql",
    "/oauth/%2E%2E/graphql",
    "/oauth/../graphql",
    "/oauth/./../graphql",
    "/.well-known/../graphql",
    "/.well-known/%2e%2e/graphql",
    "/oauth/token/../../graphql",
    "/oauth/token%2f..%2f..%2fgraphql",
    "/oauth%2f..%2fgraphql",
    "/oauth/%252e%252e/graphql",
    "/oauth//../graphql",
    "/oauth/graphql",
    "/oauth/token/x",
    "/.well-known/",
])
def test_paths_outside_the_endpoints_are_not_forwarded(router, path):
    status, body = send(router, "POST", path, json.dumps(ENTITIES).encode())
    assert status == 404, (status, body[:300])
    assert b"sdl" not in body and b"email" not in body and b"_entities" not in body


def test_the_endpoints_are_forwarded(router):
    status, body = send(router, "GET", "/.well-known/jwks.json")
    assert status == 200 and json.loads(body)["keys"]
    status, body = send(router, "GET", "/.well-known/oauth-authorization-server")
    assert status == 200 and json.loads(body)["token_endpoint"].endswith("/oauth/token")
    status, body = send(router, "POST", "/oauth/token", urlencode({"grant_type": "password"}).encode(),
                        "application/x-www-form-urlencoded")
    assert status in (400, 401) and "error" in json.loads(body)  # the token endpoint's own answer


@pytest.mark.parametrize("path", ["//oauth/token", "/oauth//token", "/oauth/./token", "/oauth/x/../token",
                                  "/oauth%2ftoken", "/oauth/%74oken"])
def test_spellings_of_an_endpoint_reach_only_that_endpoint(router, path):
    status, body = send(router, "POST", path, urlencode({"grant_type": "password"}).encode(),
                        "application/x-www-form-urlencoded")
    assert status in (400, 401, 404), (status, body[:300])
    assert b"sdl" not in body and b"data" not in body


def test_an_endpoint_answers_only_its_method(router):
    status, _ = send(router, "GET", "/oauth/token")
    assert status == 405
    status, _ = send(router, "POST", "/.well-known/jwks.json")
    assert status == 405


@pytest.mark.parametrize(("raw", "path"), [
    ("/oauth/token", "/oauth/token"),
    ("/oauth/token?grant_type=x", "/oauth/token"),
    ("//oauth//token/", "/oauth/token"),
    ("/oauth/%2e%2e/graphql", "/graphql"),
    ("/oauth/token%2F..%2F..%2Fgraphql", "/graphql"),
    ("/../../oauth/token", "/oauth/token"),
    ("/oauth/%252e%252e/graphql", None),
    ("/oauth/%ff", None),
    ("/oauth/..%5c..%5cgraphql", None),
])
def test_normalized_path(raw, path):
    assert normalized_path(raw) == path


def test_a_locked_sign_in_keeps_its_retry_after_through_the_router(router: RunningService) -> None:
    """The users service's 429 tells the client when to try again; the router must not drop it."""
    form = urlencode({"grant_type": "password", "client_id": "storefront", "username": "lockout@example.com",
                      "password": "wrong"}).encode()
    answers = []
    for _ in range(6):
        connection = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
        try:
            connection.request("POST", "/oauth/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Retry-After"), json.loads(response.read())))
        finally:
            connection.close()
    assert [status for status, _, _ in answers] == [400] * 5 + [429]
    status, retry_after, body = answers[-1]
    assert retry_after is not None and int(retry_after) > 0 and body["error"] == "slow_down"
