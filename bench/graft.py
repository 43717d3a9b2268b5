"""Graft's own processes for the bench scripts that start them (`bench.hostile_documents`,
`bench.realtime`): `python -m router ... --port PORT` on a free port, ready once /health answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Process:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(name: str, args: list[str], env: dict[str, str], log_dir: Path, port: int | None = None) -> Process:
    """`python -m router <args> --port PORT` (a free port unless given), once /health answers."""
    port = port or free_port()
    log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - the process writes it until stopped
    process = subprocess.Popen([sys.executable, "-m", "router", *args, "--port", str(port)], cwd=ROOT,
                               env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    started = Process(name, port, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{started.url}/health", timeout=2).read()
            return started
        except OSError:
            time.sleep(0.2)
    started.stop()
    raise RuntimeError(f"{name} did not start: {(log_dir / f'{name}.log').read_text()[-2000:]}")
