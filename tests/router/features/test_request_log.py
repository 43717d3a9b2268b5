"""Issue (operability): the router writes one request log line per request, for every outcome
(200, 400, 401, 429), read here from the log of a real `graft serve` process."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from router.features.request_log import RequestSummary, as_text
from tests.router.server.supergraphs import supergraph
from tests.support.processes import RunningService, start_graft, start_module


@pytest.fixture
def tiny(tmp_path):
    service = start_module("tiny", "tests.router.server.tiny_subgraph", tmp_path)
    yield service
    service.stop()


def post(router: RunningService, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(router.graphql_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/graphql-response+json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def request_lines(router: RunningService) -> list[dict]:
    lines = [line for line in router.log().splitlines() if line.startswith("{")]
    return [entry for entry in map(json.loads, lines) if "request_id" in entry]


def test_one_json_line_per_request_whatever_the_outcome(tiny, tmp_path):
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph(tiny.graphql_url))
    env = {"GRAFT_TELEMETRY__LOGS__FORMAT": "json", "GRAFT_RATE_LIMITS__ENABLED": "true",
           "GRAFT_RATE_LIMITS__TIERS__ANONYMOUS__CAPACITY": "3",
           "GRAFT_RATE_LIMITS__TIERS__ANONYMOUS__REFILL_PER_SECOND": "0.01"}
    router = start_graft("router", ["serve", "--supergraph", str(path)], env, tmp_path)
    try:
        client = {"apollographql-client-name": "storefront", "apollographql-client-version": "1.2.3",
                  "X-Request-Id": "req-ok"}
        statuses = [
            post(router, b'{"query": "query Pid { pid }", "operationName": "Pid"}', client),
            post(router, b'{"query": "{ nope }"}', {"X-Request-Id": "req-invalid"}),
            post(router, b'{"query": "{ pid }"}', {"Authorization": "Bearer not-a-token", "X-Request-Id": "req-401"}),
            post(router, b'{"query": "{ pid }"}', {"X-Request-Id": "req-a"}),
            post(router, b'{"query": "{ pid }"}', {"X-Request-Id": "req-429"}),
        ]
        assert statuses == [200, 400, 401, 200, 429]
    finally:
        router.stop()
    deadline = time.monotonic() + 10  # the lines are written before the answers are sent; flushed by now
    while len(request_lines(router)) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = {entry["request_id"]: entry for entry in request_lines(router)}
    assert len(lines) == 5, router.log()
    ok = lines["req-ok"]
    assert ok["operation"] == "Pid" and ok["client_name"] == "storefront" and ok["client_version"] == "1.2.3"
    assert ok["status"] == 200 and ok["subgraph_fetches"] == 1 and ok["error_codes"] == []
    assert ok["duration_ms"] >= 0 and ok["time"].endswith("Z")
    assert lines["req-invalid"]["status"] == 400 and lines["req-invalid"]["error_codes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert lines["req-401"]["status"] == 401 and lines["req-401"]["subgraph_fetches"] == 0
    assert lines["req-401"]["error_codes"] == ["UNAUTHENTICATED"]
    assert lines["req-429"]["status"] == 429 and lines["req-429"]["error_codes"]


def test_text_lines_quote_what_a_client_chose():
    summary = RequestSummary(time="2026-01-01T00:00:00.000Z", request_id="abc", trace_id=None, operation="Pid",
                             client_name='evil\nrequest id=forged', client_version=None, status=200,
                             duration_ms=1.5, subgraph_fetches=2, error_codes=("A", "B"))
    line = as_text(summary)
    assert "\n" not in line and line.startswith("request request_id=abc operation=Pid")
    assert 'client_name="evil\\nrequest id=forged"' in line and "error_codes=A,B" in line
    assert "client_version" not in line and "subgraph_fetches=2" in line and "duration_ms=1.5" in line
