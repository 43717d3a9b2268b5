"""`graft serve` as a real process over a tiny real subgraph: start-up errors, hot reload,
SIGTERM, and `--workers 2`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.router.server.supergraphs import V1, V2, supergraph
from tests.support.processes import (
    ROOT,
    RunningService,
    free_port,
    wait_healthy,
)


def query(url: str, text: str, timeout: float = 10.0) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps({"query": text}).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/graphql-response+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def until(condition, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# The real router over the tiny subgraph: these tests are about the server process (start-up,
# reload, signals, workers).
PROGRAM = "router"


def run_serve(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", PROGRAM, "serve", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def start_router(args: list[str], log_dir: Path) -> RunningService:
    """`python -m PROGRAM <args> --port N`, returned once /health answers."""
    port = free_port()
    log_path = log_dir / f"router-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", PROGRAM, *args, "--port", str(port)], cwd=ROOT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT)
    service = RunningService("router", port, process, log_path)
    wait_healthy(service)
    return service


@pytest.mark.parametrize("content", ["type Query {", "type Query { a: Int }", ""])
def test_invalid_supergraph_fails_startup(tmp_path, content):
    path = tmp_path / "supergraph.graphql"
    path.write_text(content)
    result = run_serve(["--supergraph", str(path), "--port", str(free_port())])
    assert result.returncode == 2
    assert f"supergraph {path} is invalid" in result.stderr


def test_missing_supergraph_and_bad_config_fail_startup(tmp_path):
    result = run_serve(["--supergraph", str(tmp_path / "none.graphql"), "--port", str(free_port())])
    assert result.returncode == 2 and "cannot read supergraph" in result.stderr
    config = tmp_path / "router.yaml"
    config.write_text("listen: {port: -3}\n")
    result = run_serve(["--supergraph", str(tmp_path / "none.graphql"), "--config", str(config)])
    assert result.returncode == 2 and "listen.port" in result.stderr


def _serve(tmp_path: Path, tiny: RunningService, fields=V1, extra: list[str] | None = None,
           url: str | None = None, config: str = "") -> tuple[RunningService, Path]:
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph(url or tiny.graphql_url, fields))
    config_path = tmp_path / "router.yaml"
    config_path.write_text("supergraph: {poll_interval: 0.1}\n" + config)
    args = ["serve", "--supergraph", str(path), "--config", str(config_path), *(extra or [])]
    return start_router(args, tmp_path), path


def test_hot_reload(tmp_path, tiny):
    router, path = _serve(tmp_path, tiny)
    try:
        assert query(router.graphql_url, '{ hello(name: "a") }') == (200, {"data": {"hello": "hello a"}})
        assert "uvloop loop" in router.log()
        status, body = query(router.graphql_url, "{ greeting }")
        assert status == 400 and "greeting" in body["errors"][0]["message"]

        # A new file: new requests see the new schema.
        path.write_text(supergraph(tiny.graphql_url, V2))
        until(lambda: query(router.graphql_url, "{ greeting }")[0] == 200, what="the reload to V2")
        assert query(router.graphql_url, "{ greeting }")[1] == {"data": {"greeting": "good day"}}

        # A broken file: logged, and the old supergraph stays in service.
        path.write_text("type Query {")
        until(lambda: "was not reloaded" in router.log(), what="the reload error in the log")
        assert str(path) in router.log()
        assert query(router.graphql_url, "{ greeting }") == (200, {"data": {"greeting": "good day"}})

        # A request in flight finishes on the old gateway while the new one takes over.
        slow: dict = {}
        thread = threading.Thread(target=lambda: slow.update(r=query(router.graphql_url, "{ slow(seconds: 1.5) greeting }")))
        thread.start()
        time.sleep(0.3)
        path.write_text(supergraph(tiny.graphql_url, V1))
        until(lambda: query(router.graphql_url, "{ greeting }")[0] == 400, what="the reload back to V1")
        thread.join(15)
        assert slow["r"] == (200, {"data": {"slow": "slow done", "greeting": "good day"}})
    finally:
        router.stop()
    assert router.process.returncode == 0


def test_subgraph_url_override_from_config(tmp_path, tiny):
    dead = f"http://127.0.0.1:{free_port()}/graphql"
    config = f'subgraphs: {{tiny: {{url: "{tiny.graphql_url}"}}}}\n'
    router, _ = _serve(tmp_path, tiny, url=dead, config=config)
    try:
        assert query(router.graphql_url, '{ hello(name: "o") }') == (200, {"data": {"hello": "hello o"}})
    finally:
        router.stop()


def test_override_of_unknown_subgraph_fails_startup(tmp_path, tiny):
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph(tiny.graphql_url))
    config = tmp_path / "router.yaml"
    config.write_text('subgraphs: {katalog: {url: "http://127.0.0.1:1/graphql"}}\n')
    result = run_serve(["--supergraph", str(path), "--config", str(config), "--port", str(free_port())])
    assert result.returncode == 2
    assert "subgraphs the supergraph does not have: katalog" in result.stderr


def test_workers_share_the_port_and_stop_together(tmp_path, tiny):
    router, _ = _serve(tmp_path, tiny, extra=["--workers", "2"])
    try:
        pids: set[int] = set()

        def both_answered() -> bool:
            with urllib.request.urlopen(f"{router.url}/health", timeout=5) as resp:
                pids.add(json.loads(resp.read())["pid"])
            return len(pids) == 2

        until(both_answered, what="two workers answering /health")
        assert router.process.pid not in pids
        for _ in range(4):
            assert query(router.graphql_url, '{ hello(name: "w") }') == (200, {"data": {"hello": "hello w"}})
        router.process.send_signal(signal.SIGTERM)
        assert router.process.wait(timeout=30) == 0
        for pid in pids:
            until(lambda: not _alive(pid), timeout=10, what=f"worker {pid} to stop")
    finally:
        router.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes; it is waited for by its parent.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_graft_serve_refuses_a_broken_supergraph(tmp_path):
    """The real `graft serve` (router core's gateway) fails start-up with a clear message."""
    import importlib.util

    path = tmp_path / "supergraph.graphql"
    path.write_text("type Query {")
    result = subprocess.run([sys.executable, "-m", "router", "serve", "--supergraph", str(path),
                             "--port", str(free_port())], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    if importlib.util.find_spec("router.gateway") is None:
        assert "the router core is not installed" in result.stderr
    else:
        assert f"supergraph {path} is invalid" in result.stderr
