"""The targets table checks each of issue 18's targets against rows of one run."""

from __future__ import annotations

from bench.gateways import GATEWAYS
from bench.graphs import GRAPHS
from bench.load import LoadResult
from bench.probes import Overhead
from bench.report import GatewayRow, GraphResult
from bench.targets import heavy_query, targets_lines


def row(name: str, rps: float, cpu_ms: float, overhead: Overhead | None = None) -> GatewayRow:
    requests = int(rps * 10)
    load = LoadResult(requests, requests, 0, 10.0, rps, 1.0, 2.0, 3.0)
    return GatewayRow(GATEWAYS[name], load, cpu_ms * requests / 1000, {}, 0, overhead)


def test_each_heavy_query_target_is_met_or_missed_by_the_rows_it_compares() -> None:
    result = GraphResult(GRAPHS["benchmark"], [
        row("graft", 600, 1.2, Overhead(3.0, 2.2, 7)), row("apollo", 150, 7.5), row("hive", 200, 7.0),
        row("hive-rust", 380, 2.0)], None)
    verdicts = [(t.asked, t.met) for t in heavy_query(result)]
    assert verdicts == [
        ("CPU per request ≤ 1/6 of Apollo Gateway's", True),  # 1.2 × 6 = 7.2 ≤ 7.5
        ("CPU per request ≤ 1/6 of Hive Gateway's", False),  # 7.2 > 7.0
        ("throughput (1 worker) ≥ 2.5× Hive Gateway's", True),
        ("router overhead over the direct fetches ≤ 1.0 ms", True),  # 0.8 ms
        ("CPU per request ≤ 1/2 of Hive Gateway with router runtime", False),  # 2.4 > 2.0
        ("throughput ≥ 1.5× Hive Gateway with router runtime", True),  # 600 ≥ 570
    ]


def test_a_run_without_a_peer_says_so_instead_of_judging() -> None:
    result = GraphResult(GRAPHS["benchmark"], [row("graft", 600, 1.2)], None)
    lines = targets_lines([result])
    assert lines[0] == "## Targets (issue 18)"
    assert all("| n/a |" in line for line in lines[4:-1])
