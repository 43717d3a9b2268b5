"""Bench processes: start on free ports, wait until they answer, measure CPU and RSS of their tree."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
PORT_RANGE = (5800, 5999)


def free_ports(count: int) -> list[int]:
    """Distinct free ports in our range (never the project's fixed 4000-4004/4200/4300); each is
    held while the next is chosen, so peers can be told each other's ports before any starts.
    Tried in random order: benches running side by side would otherwise all reach for the lowest."""
    held: list[socket.socket] = []
    candidates = list(range(*PORT_RANGE))
    random.shuffle(candidates)
    try:
        for port in candidates:
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
            if len(held) == count:
                return [s.getsockname()[1] for s in held]
    finally:
        for sock in held:
            sock.close()
    raise RuntimeError(f"not {count} free ports in {PORT_RANGE}")


def free_port() -> int:
    return free_ports(1)[0]


def statement_count(service: BenchProcess) -> int | None:
    """SQL statements the subgraph has run, from its /health (None where it reports none)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{service.port}/health", timeout=10) as response:
            count = json.loads(response.read()).get("statements")
    except (OSError, ValueError):
        return None
    return count if isinstance(count, int) else None


def total_statements(subgraphs: list[BenchProcess]) -> int | None:
    """Every subgraph's `statement_count` summed; None if one reports none. Each call runs one
    `SELECT 1` per subgraph itself (its /health)."""
    counts = [statement_count(sub) for sub in subgraphs]
    return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)


def statements_per_request(before: int | None, after: int | None, subgraphs: list[BenchProcess],
                           requests: int) -> float | None:
    """SQL statements per request between two `total_statements` reads, less the later read's own
    `SELECT 1`s; None where a subgraph counts none or no request ran."""
    if before is None or after is None or not requests:
        return None
    return (after - before - len(subgraphs)) / requests


@dataclass
class BenchProcess:
    """A server the bench started (a subgraph or a gateway under test): it leads its own process group."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """Terminate the process group this service leads (its workers too), then reap it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start(name: str, argv: list[str], env: dict[str, str], log_dir: Path, port: int, cwd: Path) -> BenchProcess:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return BenchProcess(name, port, process, log_path)


class PortTaken(RuntimeError):
    """Another process (on a shared machine, another bench) listens on the port we chose."""


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def listens(pid: int, port: int) -> bool | None:
    """Whether the process tree holds the socket listening on `port`; None where /proc cannot tell."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for member in process_tree(pid):
        try:
            fds = os.listdir(f"/proc/{member}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{member}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return True
    return False


def wait_answering(service: BenchProcess, probe: bytes, timeout: float = 90.0) -> None:
    """Until a POST of `probe` gets HTTP 200 from this service (not another process that took the
    port between our choosing it and the service binding it: PortTaken); fails with the service's
    log if it dies or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.process.returncode}:\n{service.log()}")
        request = urllib.request.Request(service.url, data=probe, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200 and listens(service.process.pid, service.port) is False:
                    service.stop()
                    raise PortTaken(f"{service.name}: another process answers on port {service.port}")
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.2)
    service.stop()
    raise RuntimeError(f"{service.name} did not answer within {timeout}s:\n{service.log()}")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its live descendants (workers included)."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total
