"""The router's and a subgraph's /metrics scraped by a real Prometheus server (Debian's
`prometheus`; skipped without it, a failure when GRAFT_REQUIRE_SERVICES=1), and the p99 of the
router's request duration read back through Prometheus' HTTP API."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.router.features.telemetry_stack import TelemetryStack, telemetry_stack
from tests.support import services
from tests.support.processes import free_port

P99 = "histogram_quantile(0.99, sum(rate(graft_request_duration_seconds_bucket[1m])) by (le))"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from telemetry_stack(tmp_path_factory.mktemp("telemetry"))


def prometheus_path() -> str:
    return services.program("prometheus", "Debian's prometheus (apt-get install prometheus)")


def start_prometheus(stack: TelemetryStack, base: Path) -> tuple[subprocess.Popen, str]:
    config = base / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n"
        f"  - job_name: router\n    static_configs: [{{targets: ['127.0.0.1:{stack.router.port}']}}]\n"
        f"  - job_name: catalog\n    static_configs: [{{targets: ['127.0.0.1:{stack.catalog.port}']}}]\n")
    port = free_port()
    log = open(base / "prometheus.log", "wb")
    process = subprocess.Popen(
        [prometheus_path(), f"--config.file={config}", f"--storage.tsdb.path={base / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def instant(url: str, query: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query}), timeout=5) as resp:
        body = json.loads(resp.read())
    assert body["status"] == "success", body
    return body["data"]["result"]


def test_prometheus_scrapes_the_router_and_a_subgraph(stack, tmp_path):
    process, url = start_prometheus(stack, tmp_path)
    try:
        deadline, result = time.monotonic() + 90, []
        while time.monotonic() < deadline:  # two scrapes with traffic between them give rate() a value
            stack.traffic(3)
            try:
                result = instant(url, P99)
            except OSError:  # not listening yet
                result = []
            if result and result[0]["value"][1] not in ("NaN", "+Inf"):
                break
            time.sleep(0.5)
        print(f"\n{P99}\n  = {result[0]['value'][1] if result else None} seconds")
        assert result and float(result[0]["value"][1]) > 0, (result, (tmp_path / "prometheus.log").read_text())
        up = {r["metric"]["job"]: r["value"][1] for r in instant(url, "up")}
        assert up == {"router": "1", "catalog": "1"}
        operations = instant(url, 'sum by (operation) (graft_subgraph_request_duration_seconds_count{job="catalog"})')
        assert any(r["metric"].get("operation") == "product" for r in operations), operations
    finally:
        process.terminate()
        process.wait(timeout=30)
