"""Start real service processes on free ports and wait until they are healthy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningService:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def stop_all(services: Iterable[RunningService]) -> None:
    """SIGTERM to all at once, then each one waited for: their drains overlap instead of adding up."""
    services = list(services)
    for service in services:
        if service.process.poll() is None:
            service.process.terminate()
    for service in services:
        service.stop()


def wait_healthy(service: RunningService, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.process.returncode}:\n{service.log()}")
        try:
            with urllib.request.urlopen(f"{service.url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    service.stop()
    raise RuntimeError(f"{service.name} was not healthy within {timeout}s:\n{service.log()}")


def start_graft(name: str, args: list[str], env: dict[str, str], log_dir: Path, port: int | None = None) -> RunningService:
    """`python -m router <args> --port N` with `env` on top of ours; returns once /health answers."""
    port = port or free_port()
    log_path = log_dir / f"{name}-{port}.log"
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "router", *args, "--port", str(port)],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
    service = RunningService(name, port, process, log_path, env)
    wait_healthy(service)
    return service


def start_router(name: str, subgraphs: dict[str, RunningService], base: Path, settings: str = "",
                 env: dict[str, str] | None = None, args: Sequence[str] = ()) -> RunningService:
    """`graft serve` over the project's supergraph, pointed at these subgraph processes; `settings`
    is more router.yaml (whole top-level sections), `args` more options (`--workers 2`).
    GRAFT_DATA_DIR is `base`, so keys are shared."""
    from router.schema_files import SUPERGRAPH

    config = base / f"{name}.yaml"
    config.write_text(settings + "subgraphs:\n" + "".join(
        f"  {sub}:\n    url: {service.graphql_url}\n" for sub, service in subgraphs.items()))
    return start_graft(name, ["serve", "--supergraph", str(SUPERGRAPH), "--config", str(config), *args],
                       {"GRAFT_DATA_DIR": str(base), **(env or {})}, base)


def start_module(name: str, module: str, log_dir: Path, *args: str) -> RunningService:
    """`python -m <module> PORT [args]` (a test's own server) on a free port, once /health answers."""
    port = free_port()
    log_path = log_dir / f"{name}-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", module, str(port), *args],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    service = RunningService(name, port, process, log_path)
    wait_healthy(service)
    return service


def post_graphql(url: str, query: str, variables: dict | None = None, headers: dict | None = None) -> dict:
    """One GraphQL POST with the standard library, for tests that talk to real processes."""
    import json

    data = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())
