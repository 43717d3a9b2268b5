"""The router's edge as a real `graft serve` process over the tiny subgraph: HTTP it cannot parse
(a 100 KB Authorization header) answered as a JSON GraphQL error that repeats nothing it was sent,
/metrics on its own address or behind a bearer token."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.router.server.supergraphs import supergraph
from tests.support.processes import RunningService, free_port, start_graft, start_module


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> RunningService:
    service = start_module("tiny", "tests.router.server.tiny_subgraph", tmp_path_factory.mktemp("tiny"))
    yield service
    service.stop()


def serve(tiny: RunningService, base: Path, config: str = "", env: dict[str, str] | None = None) -> RunningService:
    (base / "supergraph.graphql").write_text(supergraph(tiny.graphql_url))
    (base / "router.yaml").write_text("supergraph: {watch: false}\n" + config)
    return start_graft("router-edge", ["serve", "--supergraph", str(base / "supergraph.graphql"),
                                       "--config", str(base / "router.yaml")], env or {}, base)


@pytest.fixture(scope="module")
def router(tiny, tmp_path_factory) -> RunningService:
    router = serve(tiny, tmp_path_factory.mktemp("edge"))
    yield router
    router.stop()


def raw(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


QUERY = json.dumps({"query": '{ hello(name: "x") }'}).encode()
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}


@pytest.mark.parametrize("size", [100_000, 20_000])
def test_a_huge_authorization_header_gets_a_json_error_that_does_not_echo_it(router, size):
    token = "Bearer " + "eyJhbGciOiJFUzI1NiJ9" * (size // 20)
    status, headers, body = raw(router.port, "POST", "/graphql", {**JSON_HEADERS, "Authorization": token}, QUERY)
    assert status in (401, 431), (status, body[:200])
    assert headers["Content-Type"].startswith("application/json")
    error = json.loads(body)["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
    assert b"eyJhbGciOiJFUzI1NiJ9" not in body and "eyJhbGciOiJFUzI1NiJ9" not in router.log()


def test_malformed_http_gets_a_json_error(router):
    status, headers, body = raw(router.port, "POST", "/graphql", {**JSON_HEADERS, "Bad Header": "x"}, QUERY)
    assert status == 400 and headers["Content-Type"].startswith("application/json"), body
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_ordinary_requests_still_pass(router):
    status, _, body = raw(router.port, "POST", "/graphql", JSON_HEADERS, QUERY)
    assert (status, json.loads(body)) == (200, {"data": {"hello": "hello x"}})


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_metrics_behind_a_bearer_token(tiny, tmp_path):
    (tmp_path / "metrics-token").write_text("s3cret-scrape-token\n")
    router = serve(tiny, tmp_path, f"metrics: {{token_file: {tmp_path / 'metrics-token'}}}\n")
    try:
        status, body = get(f"{router.url}/metrics")
        assert status == 401 and b"graft_requests" not in body
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert get(f"{router.url}/metrics", "wrong")[0] == 401
        status, body = get(f"{router.url}/metrics", "s3cret-scrape-token")
        assert status == 200 and b"graft_requests" in body
    finally:
        router.stop()


def test_metrics_on_their_own_address(tiny, tmp_path):
    port = free_port()
    router = serve(tiny, tmp_path, f'metrics: {{listen: "127.0.0.1:{port}", token_env: GRAFT_TEST_SCRAPE}}\n',
                   {"GRAFT_TEST_SCRAPE": "env-token"})
    try:
        assert get(f"{router.url}/metrics", "env-token")[0] == 404
        assert get(f"http://127.0.0.1:{port}/metrics")[0] == 401
        status, body = get(f"http://127.0.0.1:{port}/metrics", "env-token")
        assert status == 200 and b"graft_requests" in body
        assert get(f"http://127.0.0.1:{port}/graphql")[0] == 404
    finally:
        router.stop()


def test_metrics_are_open_on_the_main_port_by_default(router):
    status, body = get(f"{router.url}/metrics")
    assert status == 200 and b"graft_requests" in body
