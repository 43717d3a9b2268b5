"""The bench's one table, as terminal text and as docs/benchmarks.md, with the machine it ran on."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from bench.gateways import GatewayUnderTest
from bench.graphs import BenchGraph
from bench.load import LoadResult
from bench.probes import OVERHEAD_ROUNDS, Overhead
from bench.sequential import Paired, SequentialResult, SubgraphFloor
from bench.settings import Settings

if TYPE_CHECKING:
    from bench.planning import PlanningTime
    from bench.tools import Tools

HEADER = ("gateway", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "gateway CPU s/1k req",
          "peak RSS MiB", "subgraph CPU s/1k req", "overhead ms (gateway - direct, fetches)", "SQL statements/req")
SEQUENTIAL_HEADER = ("gateway", "req/s", "p50 ms", "p95 ms", "gateway CPU ms/req", "subgraph CPU ms/req",
                     "SQL statements/req")


SHORT_RUN = ("**A short development run on a shared machine: it proves the harness, it is not a measurement.** "
             "Real numbers come from `make bench` on a quiet machine.")


@dataclass(frozen=True)
class GraphResult:
    graph: BenchGraph
    rows: list[GatewayRow]
    planning: PlanningTime | None
    floors: list[SubgraphFloor] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class GatewayRow:
    gateway: GatewayUnderTest
    load: LoadResult
    cpu_seconds: float
    subgraph_cpu: dict[str, float]
    peak_rss: int
    overhead: Overhead | None
    statements_per_request: float | None = None
    sequential: SequentialResult | None = None

    def per_thousand(self, seconds: float) -> float:
        return seconds / self.load.requests * 1000 if self.load.requests else 0.0

    @property
    def rps(self) -> float:
        """Successful answers per second."""
        return self.load.ok / self.load.seconds if self.load.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """The gateway's CPU milliseconds per request (its seconds per 1,000 requests)."""
        return self.per_thousand(self.cpu_seconds)

    def cells(self) -> list[str]:
        load, over = self.load, self.overhead
        subs = ", ".join(f"{name} {self.per_thousand(cpu):.2f}" for name, cpu in self.subgraph_cpu.items())
        return [
            self.gateway.label, f"{self.rps:.0f}", _ms(load.p50_ms), _ms(load.p95_ms), _ms(load.p99_ms),
            str(load.errors), f"{self.cpu_ms:.2f}", f"{self.peak_rss / 2**20:.0f}", subs,
            "n/a" if over is None else
            f"{over.overhead_ms:.2f} ({over.gateway_ms:.2f} - {over.direct_ms:.2f}, {over.fetches})",
            "n/a" if self.statements_per_request is None else f"{self.statements_per_request:.2f}",
        ]


    def sequential_cells(self) -> list[str]:
        one = self.sequential
        if one is None:
            return [self.gateway.label, *("n/a",) * (len(SEQUENTIAL_HEADER) - 1)]
        subs = ", ".join(f"{name} {one.ms_per_request(cpu):.2f}" for name, cpu in one.subgraph_cpu.items())
        statements = "n/a" if one.statements_per_request is None else f"{one.statements_per_request:.2f}"
        return [self.gateway.label, f"{one.rps:.0f}", f"{one.p50_ms:.2f}", f"{one.p95_ms:.2f}",
                f"{one.ms_per_request(one.gateway_cpu):.2f}", subs, statements]


def paired_line(paired: Paired) -> str:
    """The commerce mix through this code and the baseline's, taking turns (bench.sequential)."""
    def side(one: SequentialResult) -> str:
        subs = ", ".join(f"{name} {one.ms_per_request(cpu):.2f}" for name, cpu in one.subgraph_cpu.items())
        statements = "n/a" if one.statements_per_request is None else f"{one.statements_per_request:.2f}"
        return (f"p50 {one.p50_ms:.2f} ms, p95 {one.p95_ms:.2f} ms, {one.requests} requests; router "
                f"{one.ms_per_request(one.gateway_cpu):.2f} ms CPU per request, {subs}; {statements} SQL statements")
    return (f"Taking turns ({paired.rounds} turns of {paired.seconds:g} s each, one client each): this code "
            f"{side(paired.now)}. The baseline {side(paired.then)}. Ratio of the p50s "
            f"{paired.now.p50_ms / paired.then.p50_ms:.3f}")


def floors_line(floors: list[SubgraphFloor]) -> str:
    """Each subgraph's own cost per request, the floor under any gateway's latency and CPU."""
    parts = [f"{f.name} {f.p50_ms:.2f} ms, {f.cpu_ms:.2f} ms CPU" for f in floors]
    return "Subgraphs alone (`{ __typename }` straight to each, one client, p50 latency and CPU/request): " + \
        "; ".join(parts)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _lines(rows: list[GatewayRow], sequential: bool) -> list[list[str]]:
    if sequential:
        return [list(SEQUENTIAL_HEADER), *(row.sequential_cells() for row in rows)]
    return [list(HEADER), *(row.cells() for row in rows)]


def render_table(rows: list[GatewayRow], sequential: bool = False) -> str:
    lines = _lines(rows, sequential)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) for line in lines)


def _markdown_table(rows: list[GatewayRow], sequential: bool = False) -> str:
    header, *body = _lines(rows, sequential)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        return f"{kib / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def _package_version(tools: Tools, name: str) -> str:
    if tools.peers is None:
        return "not installed"
    manifest = tools.peers / "node_modules" / name / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else "unknown"


def machine_lines(tools: Tools) -> list[str]:
    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores; memory {_memory_gib()}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({sys.executable}); Node {_version([str(tools.node), '--version'])}",
        f"- Graft's modules compiled with mypyc (router/native.py): {compiled_modules()}",
        f"- load tool: hey {_version(['dpkg-query', '-W', '-f', '${Version}', 'hey'])} (Debian package)",
        f"- peers: @apollo/gateway {_package_version(tools, '@apollo/gateway')}, "
        f"@apollo/server {_package_version(tools, '@apollo/server')}, "
        f"@graphql-hive/gateway {_package_version(tools, '@graphql-hive/gateway')}, "
        f"@graphql-hive/router-runtime {_package_version(tools, '@graphql-hive/router-runtime')}",
    ]


def compiled_modules() -> str:
    from router.native import current

    return ", ".join(name.rpartition(".")[2] for name in current()) or "none (pure Python)"


def planning_line(planning: PlanningTime) -> str:
    return (f"Graft planning of the timed operation: cold {planning.cold_ms:.2f} ms (parse + plan, new planner; "
            f"{planning.fetches} fetches), cached {planning.cached_ms * 1000:.1f} µs (plan cache lookup); medians")


def _graph_section(result: GraphResult) -> list[str]:
    operations = ", ".join(op.label for op in result.graph.operations)
    return [
        f"## Graph `{result.graph.name}`",
        "",
        result.graph.description,
        f"Operations: {operations}. Every gateway's answers were checked equal to the expected result before",
        "and after timing.",
        "",
        _markdown_table(result.rows),
        "",
        *_sequential_section(result),
        *([floors_line(result.floors) + ".", ""] if result.floors else []),
        *([planning_line(result.planning) + ".", ""] if result.planning is not None else []),
    ]


def _paired_section(paired: Paired) -> list[str]:
    return ["## Commerce and its baseline, taking turns", "",
            "Both stacks up at once (this code's subgraphs and router; the baseline's), one keep-alive client",
            "each, sending the storefront mix in turns, so that the machine's drift (here as much as 2× within",
            "minutes) weighs on both alike; CPU is per request, per process.", "",
            paired_line(paired) + ".", ""]


def _sequential_section(result: GraphResult) -> list[str]:
    if not any(row.sequential is not None for row in result.rows):
        return []
    return ["One client sending the operations in turn (no queueing behind other clients): what a single user",
            "waits, and the CPU each request costs.", "", _markdown_table(result.rows, sequential=True), ""]


def render_markdown(results: list[GraphResult], settings: Settings, tools: Tools, targets: list[str],
                    paired: Paired | None = None) -> str:
    """`targets`: bench.targets' table for these results (it reads this module's rows)."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = [line for result in results for line in _graph_section(result)]
    return "\n".join([
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/`) from the run below; do not edit by hand.",
        "",
        f"Run {when}: `{settings.command}` — {settings.concurrency} concurrent connections for",
        f"{settings.seconds:g} s per gateway after a {settings.warmup:g} s warm-up, load by `hey`, all on 127.0.0.1.",
        *(["", SHORT_RUN] if settings.seconds < 10 else []),
        "",
        *sections,
        *(_paired_section(paired) if paired is not None else []),
        *targets,
        "How to read the table:",
        "",
        "- req/s counts HTTP 200 answers; errors are non-200 answers and transport failures.",
        "- CPU is user + system time of the process tree (workers included) during the measured load, per",
        "  1,000 requests, for the gateway and for each subgraph; peak RSS is the gateway tree's largest",
        "  resident set, sampled every 100 ms.",
        "- overhead: median latency of one request through the gateway minus the same subgraph fetches",
        "  (recorded from that gateway) made directly one after another, both over keep-alive connections,",
        f"  the two taking turns for {OVERHEAD_ROUNDS} rounds;",
        "  n/a where the subgraphs cannot record (the commerce graph).",
        "- SQL statements/req: statements the subgraphs ran during the load, per request (commerce graph).",
        "- no in-flight de-duplication, no entity cache: Graft with `traffic.deduplicate` and `cache.entity`",
        "  off, so every fetch is sent, as the peers send theirs.",
        "- one client: a keep-alive client sends the operations in turn for the given seconds after a 1 s",
        "  warm-up; latency is the client's, CPU per request is the same user + system time; SQL statements",
        "  per request are exact there (nothing is shared between requests).",
        "- commerce-baseline: the commerce graph served by the code of the day issue 18 was filed",
        "  (`bench/baseline.py`), its subgraphs and its router: the commerce targets compare with it.",
        "",
        "## Machine",
        "",
        *machine_lines(tools),
        "",
    ])
