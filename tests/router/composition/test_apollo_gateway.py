"""Apollo Gateway serves a supergraph we composed, in front of real Python subgraphs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from router.composition import compose_from_config
from tests.support.processes import ROOT, RunningService, free_port, wait_healthy

QUERY = "{ products { id name reviews { body stars } } }"


def _start_subgraph(name: str, log_dir: Path) -> RunningService:
    port = free_port()
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.router.composition.tiny_subgraph", name, str(port)],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    service = RunningService(name, port, process, log_path)
    wait_healthy(service, timeout=30)
    return service


def _post(url: str, query: str) -> dict:
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait_ready(process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "ready" in log_path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"Apollo Gateway did not start:\n{log_path.read_text(errors='replace')}")


@pytest.mark.node
def test_apollo_gateway_serves_our_supergraph(apollo, tmp_path: Path) -> None:
    subgraphs = [_start_subgraph(name, tmp_path) for name in ("products", "reviews")]
    gateway = None
    try:
        config = tmp_path / "supergraph.yaml"
        config.write_text("subgraphs:\n" + "".join(
            f"  {s.name}:\n    routing_url: {s.graphql_url}\n    schema:\n      subgraph_url: {s.graphql_url}\n" for s in subgraphs))
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(compose_from_config(config))
        port = free_port()
        log_path = tmp_path / "gateway.log"
        with open(log_path, "wb") as log:
            gateway = subprocess.Popen([str(apollo.node), str(apollo.script("gateway.mjs")), str(supergraph), str(port)],
                                       cwd=apollo.directory, stdout=log, stderr=subprocess.STDOUT)
        _wait_ready(gateway, log_path)
        body = _post(f"http://127.0.0.1:{port}/", QUERY)
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(timeout=10)
        for s in subgraphs:
            s.stop()
    assert body == {"data": {"products": [
        {"id": "1", "name": "Kettle", "reviews": [{"body": "Boils fast", "stars": 5}]},
        {"id": "2", "name": "Teapot", "reviews": [{"body": "Leaks", "stars": 2}, {"body": "Pretty", "stars": 4}]},
    ]}}
