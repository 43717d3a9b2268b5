"""`python -m bench`: serve a graph's subgraphs, run each gateway in turn against them, print one table."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import orjson

from bench import processes
from bench.baseline import CURRENT, Checkout
from bench.gateways import GATEWAYS, GatewayUnderTest, graft_can_serve
from bench.graphs import GRAPHS, BenchGraph
from bench.load import run_mix
from bench.probes import check_answer, measure_overhead, post
from bench.report import (GatewayRow, GraphResult, floors_line, paired_line, planning_line, render_markdown,
                          render_table)
from bench.sequential import Paired, Stack, run_alternating, run_sequential, subgraph_floor
from bench.settings import Settings
from bench.targets import targets_lines
from bench.tools import CACHE, ROOT, Tools, ensure_all

PROBE = orjson.dumps({"query": "{ __typename }"})


class PeakRss:
    """Samples a process tree's RSS every 100 ms in a thread; `peak` is the largest sum seen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, processes.rss_bytes(self.pid))

    def __enter__(self) -> PeakRss:
        self.peak = processes.rss_bytes(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def start_subgraphs(graph: BenchGraph, checkout: Checkout, log_dir: Path) -> list[processes.BenchProcess]:
    ports = dict(zip(graph.subgraphs, processes.free_ports(len(graph.subgraphs))))
    env = graph.subgraph_env(ports, str(log_dir / "data"))
    started: list[processes.BenchProcess] = []
    try:
        for name, port in ports.items():
            argv = graph.subgraph_argv(checkout, name, port)
            started.append(processes.start(name, argv, env, log_dir, port, checkout.root))
        for service in started:
            processes.wait_answering(service, PROBE)
    except BaseException:
        for service in started:
            service.stop()
        raise
    return started


SECURITY_USE = re.compile(r"\s*@(?:authenticated|requiresScopes|policy)\b(?:\([^()]*\))?")
SECURITY_IMPORT = re.compile(r'"@(?:authenticated|requiresScopes|policy)"\s*,\s*|,?\s*"@(?:authenticated|requiresScopes|policy)"')


def without_security(sdl: str) -> str:
    """Apollo Gateway refuses a supergraph with `for: SECURITY` features (only Apollo Router runs
    them), so every gateway is served the graph without them: same graph, same work for all.
    The storefront mix asks for no protected field."""
    return SECURITY_USE.sub("", SECURITY_IMPORT.sub("", sdl))


def compose(tools: Tools, subgraphs: list[processes.BenchProcess], target: Path) -> Path:
    """Supergraph SDL from what the running subgraphs serve, composed with @apollo/composition."""
    services = []
    for sub in subgraphs:
        sdl = orjson.loads(post(sub.url, orjson.dumps({"query": "{ _service { sdl } }"})))["data"]["_service"]["sdl"]
        services.append({"name": sub.name, "url": sub.url, "sdl": without_security(sdl)})
    script = Path(__file__).resolve().parent / "peers" / "compose.cjs"
    done = subprocess.run(
        [str(tools.node), str(script)], input=orjson.dumps(services), capture_output=True, timeout=120,
        env={"NODE_PATH": str(tools.composer / "node_modules"), "PATH": "/usr/bin:/bin"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"composition failed:\n{done.stderr.decode()}")
    target.write_bytes(done.stdout)
    return target


def check_answers(service: processes.BenchProcess, graph: BenchGraph) -> None:
    for operation in graph.operations:
        check_answer(service, operation.body, operation.expected())


def bench_gateway(
    settings: Settings, tools: Tools, graph: BenchGraph, gateway: GatewayUnderTest, supergraph: Path,
    subgraphs: list[processes.BenchProcess], log_dir: Path, body_paths: list[Path], checkout: Checkout,
) -> GatewayRow:
    sink = start_otlp_sink(log_dir) if gateway.traced else None  # listening before the gateway's port is chosen
    endpoint = f"http://127.0.0.1:{sink.port}/v1/traces" if sink is not None else None
    service = start_gateway(tools, gateway, supergraph, endpoint, log_dir, checkout)
    try:
        for _ in range(3):
            check_answers(service, graph)
        overhead = measure_overhead(service, subgraphs, graph.operations[0].body)
        print(f"bench: {graph.name}: {gateway.name}: answers correct; warm-up {settings.warmup:g}s", flush=True)
        run_mix(tools.hey, service.url, body_paths, settings.concurrency, settings.warmup)
        before = [processes.cpu_seconds(p.process.pid) for p in (service, *subgraphs)]
        statements_before = processes.total_statements(subgraphs)
        with PeakRss(service.process.pid) as rss:
            load = run_mix(tools.hey, service.url, body_paths, settings.concurrency, settings.seconds)
        after = [processes.cpu_seconds(p.process.pid) for p in (service, *subgraphs)]
        statements_after = processes.total_statements(subgraphs)
        sequential = None
        if settings.sequential_seconds > 0:
            print(f"bench: {graph.name}: {gateway.name}: one client, {settings.sequential_seconds:g}s", flush=True)
            bodies = [operation.body for operation in graph.operations]
            sequential = run_sequential(service, subgraphs, bodies, settings.sequential_seconds)
        check_answers(service, graph)
    finally:
        service.stop()
        if sink is not None:
            print(f"bench: {graph.name}: {gateway.name}: {exported_spans(sink)} spans exported", flush=True)
            sink.stop()
    cpu = [b - a for a, b in zip(before, after)]
    statements = processes.statements_per_request(statements_before, statements_after, subgraphs, load.requests)
    return GatewayRow(gateway, load, cpu[0], dict(zip((s.name for s in subgraphs), cpu[1:])), rss.peak, overhead,
                      statements, sequential)


def start_gateway(tools: Tools, gateway: GatewayUnderTest, supergraph: Path, endpoint: str | None,
                  log_dir: Path, checkout: Checkout = CURRENT, attempts: int = 3) -> processes.BenchProcess:
    """The gateway on a free port, answering; on a port another process took meanwhile, again."""
    for attempt in range(attempts):
        port = processes.free_port()
        launch = gateway.launch(tools, supergraph, port, endpoint, checkout.python)
        service = processes.start(gateway.name, launch.argv, launch.env, log_dir, port, log_dir)
        try:
            processes.wait_answering(service, PROBE)
            return service
        except processes.PortTaken:
            if attempt == attempts - 1:
                raise
            print(f"bench: {gateway.name}: port {port} was taken by another process; another port", flush=True)
        except BaseException:
            service.stop()
            raise
    raise AssertionError("unreachable")


def start_otlp_sink(log_dir: Path) -> processes.BenchProcess:
    """The traced router's OTLP/HTTP endpoint (bench/otlp_sink.py), once it answers."""
    port = processes.free_port()
    sink = processes.start("otlp-sink", [sys.executable, "-m", "bench.otlp_sink", str(port)], {}, log_dir, port, ROOT)
    deadline = time.monotonic() + 30
    while exported_spans(sink) is None:
        if time.monotonic() > deadline or sink.process.poll() is not None:
            sink.stop()
            raise RuntimeError(f"the OTLP sink did not start:\n{sink.log()}")
        time.sleep(0.1)
    return sink


def exported_spans(sink: processes.BenchProcess) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sink.port}/spans", timeout=5) as response:
            return int(orjson.loads(response.read())["spans"])
    except OSError:
        return None


def run_graph(settings: Settings, tools: Tools, graph: BenchGraph, run_dir: Path) -> GraphResult:
    log_dir = run_dir / graph.name
    log_dir.mkdir()
    body_paths = []
    for index, operation in enumerate(graph.operations):
        body_paths.append(log_dir / f"body-{index}.json")
        body_paths[-1].write_bytes(operation.body)
    checkout = graph.checkout()
    gateways = [g for g in settings.gateways if graph.gateways is None or g.name in graph.gateways]
    subgraphs = start_subgraphs(graph, checkout, log_dir)
    rows, planning = [], None
    try:
        floors = [subgraph_floor(sub) for sub in subgraphs]
        supergraph = compose(tools, subgraphs, CACHE / f"supergraph-{graph.name}.graphql")
        if checkout is CURRENT and any(g.name.startswith("graft") for g in gateways):
            from bench.planning import measure_planning

            planning = measure_planning(supergraph.read_text(), graph.operations[0].body)
        for gateway in gateways:
            rows.append(bench_gateway(settings, tools, graph, gateway, supergraph, subgraphs, log_dir, body_paths,
                                      checkout))
    finally:
        for sub in subgraphs:
            sub.stop()
    print(f"graph: {graph.name}\n{render_table(rows)}")
    if any(row.sequential is not None for row in rows):
        print(f"one client, in sequence:\n{render_table(rows, sequential=True)}")
    print(floors_line(floors))
    if planning is not None:
        print(planning_line(planning))
    return GraphResult(graph, rows, planning, floors)


PAIRED = ("commerce", "commerce-baseline")


def run_paired(settings: Settings, tools: Tools, run_dir: Path,
               pair: tuple[BenchGraph, BenchGraph] | None = None) -> Paired | None:
    """The commerce latency target's measurement: this code's stack and the baseline's (`PAIRED`,
    unless another `pair` is given), both up, one client each, taking turns (`run_alternating`)."""
    graphs = {graph.name: graph for graph in settings.graphs}
    graft = GATEWAYS["graft"]
    if pair is None and set(PAIRED) <= set(graphs):
        pair = (graphs[PAIRED[0]], graphs[PAIRED[1]])
    if settings.paired_rounds <= 0 or graft not in settings.gateways or pair is None:
        return None
    started: list[processes.BenchProcess] = []
    stacks = []
    try:
        for index, graph in enumerate(pair):
            log_dir = run_dir / f"paired-{index}-{graph.name}"
            log_dir.mkdir()
            checkout = graph.checkout()
            subgraphs = start_subgraphs(graph, checkout, log_dir)
            started += subgraphs
            supergraph = compose(tools, subgraphs, log_dir / "supergraph.graphql")
            gateway = start_gateway(tools, graft, supergraph, None, log_dir, checkout)
            started.append(gateway)
            check_answers(gateway, graph)
            stacks.append(Stack(gateway, subgraphs))
        print(f"bench: {' and '.join(g.name for g in pair)}: one client each, {settings.paired_rounds} turns of "
              f"{settings.paired_seconds:g}s", flush=True)
        bodies = [operation.body for operation in pair[0].operations]
        now, then = run_alternating(stacks, bodies, settings.paired_rounds, settings.paired_seconds)
        for stack, graph in zip(stacks, pair):
            check_answers(stack.gateway, graph)
    finally:
        for process in started:
            process.stop()
    paired = Paired(now, then, settings.paired_rounds, settings.paired_seconds)
    print(paired_line(paired), flush=True)
    return paired


def run(settings: Settings) -> tuple[list[GraphResult], Paired | None]:
    if any(g.name.startswith("graft") for g in settings.gateways) and not graft_can_serve():
        raise RuntimeError("`graft serve` is not available in this checkout yet (the router lands from branch core)")
    tools = ensure_all(with_peers=any(g.needs_peers for g in settings.gateways))
    CACHE.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    print(f"bench: logs in {run_dir}", flush=True)
    results = [run_graph(settings, tools, graph, run_dir) for graph in settings.graphs]
    paired = run_paired(settings, tools, run_dir)
    if settings.output is not None:
        settings.output.write_text(render_markdown(results, settings, tools, targets_lines(results, paired),
                                                   paired))
        print(f"bench: wrote {settings.output}")
    return results, paired


def parse_args(argv: list[str]) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--graphs", default="benchmark,commerce,commerce-baseline", help=f"comma-separated, from {', '.join(GRAPHS)}")
    parser.add_argument("--gateways", default="graft,graft-plain,graft-traced,graft-2,apollo,hive,hive-rust",
                        help=f"comma-separated, from {', '.join(GATEWAYS)}")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured load per gateway")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--sequential-seconds", type=float, default=10.0,
                        help="per gateway, one client sending the operations in turn (0: skip)")
    parser.add_argument("--paired-rounds", type=int, default=15,
                        help="commerce and commerce-baseline taking turns with one client each (0: skip)")
    parser.add_argument("--paired-seconds", type=float, default=1.0, help="each stack's turn")
    parser.add_argument("--output", type=Path, default=None, help="write the markdown report here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.gateways.split(",") if n.strip()]
    unknown = [n for n in names if n not in GATEWAYS]
    if unknown or not names:
        parser.error(f"unknown gateways {unknown}; choose from {', '.join(GATEWAYS)}")
    graphs = [n.strip() for n in args.graphs.split(",") if n.strip()]
    if not graphs or any(n not in GRAPHS for n in graphs):
        parser.error(f"--graphs {args.graphs!r}: choose from {', '.join(GRAPHS)}")
    if args.concurrency < 1 or args.seconds <= 0 or args.warmup <= 0 or args.sequential_seconds < 0 \
            or args.paired_rounds < 0 or args.paired_seconds <= 0:
        parser.error("--concurrency must be >= 1, --seconds, --warmup, --paired-seconds > 0 and "
                     "--sequential-seconds, --paired-rounds >= 0")
    return Settings([GRAPHS[n] for n in graphs], [GATEWAYS[n] for n in names], args.concurrency, args.seconds,
                    args.warmup, args.output, shlex.join(["python", "-m", "bench", *argv]), args.sequential_seconds,
                    args.paired_rounds, args.paired_seconds)


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    try:
        run(settings)
    except Exception as error:  # one clear line, non-zero exit: a wrong answer fails the run
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    print(f"bench: done in {time.monotonic() - started:.0f}s")
    return 0
