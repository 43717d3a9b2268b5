"""The targets table checks each of issue 18's targets against rows of one run."""

from __future__ import annotations

from pathlib import Path

from bench.baseline import CURRENT, Checkout, baseline
from bench.gateways import GATEWAYS
from bench.graphs import GRAPHS
from bench.load import LoadResult
from bench.probes import Overhead
from bench.report import GatewayRow, GraphResult
from bench.sequential import Paired, SequentialResult
from bench.targets import commerce, heavy_query, targets_lines


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


def one_client(p50_ms: float, statements: float | None) -> SequentialResult:
    return SequentialResult(1000, 10.0, p50_ms, p50_ms * 1.5, 3.0, {}, statements)


def commerce_row(p50_ms: float, statements: float | None) -> GatewayRow:
    graft = row("graft", 600, 1.2)
    return GatewayRow(graft.gateway, graft.load, graft.cpu_seconds, {}, 0, None, 0.1,
                      one_client(p50_ms, statements))


def test_the_commerce_targets_are_judged_against_the_baseline_measured_in_the_same_run() -> None:
    def verdicts(now: GatewayRow, then: GatewayRow) -> list[tuple[str, bool | None]]:
        results = [GraphResult(GRAPHS["commerce"], [now], None),
                   GraphResult(GRAPHS["commerce-baseline"], [then], None)]
        return [(t.measured, t.met) for t in commerce(results[0], results[1])[:2]]

    assert verdicts(commerce_row(12.0, 1.67), commerce_row(26.0, 1.67)) == [
        ("12.00 vs 26.00 ms: 0.462×", True), ("1.67 vs 1.67", True)]
    assert verdicts(commerce_row(14.0, 2.0), commerce_row(26.0, 1.67)) == [
        ("14.00 vs 26.00 ms: 0.539×", False), ("2.00 vs 1.67", False)]
    assert verdicts(commerce_row(12.0, None), commerce_row(26.0, 1.67))[1] == ("not counted", None)


def test_without_the_baseline_graph_the_commerce_comparisons_say_so() -> None:
    lines = targets_lines([GraphResult(GRAPHS["commerce"], [commerce_row(12.0, 1.67)], None)])
    judged = [line for line in lines if "commerce-baseline" in line]
    assert len(judged) == 2 and all(line.endswith("| not in this run | n/a |") for line in judged), lines


def test_the_baseline_graph_runs_graft_only_from_the_baseline_checkout() -> None:
    graph = GRAPHS["commerce-baseline"]
    assert graph.gateways == ("graft",) and graph.checkout is baseline
    assert GRAPHS["commerce"].gateways is None and GRAPHS["commerce"].checkout() == CURRENT
    argv = graph.subgraph_argv(Checkout(Path("/then"), "/then/.venv/bin/python"), "catalog", 4101)
    assert argv == ["/then/.venv/bin/python", "-m", "router", "subgraph", "catalog", "--port", "4101"]


def test_a_ratio_just_under_its_target_never_reads_as_the_target() -> None:
    result = GraphResult(GRAPHS["benchmark"], [row("graft", 599.5, 3.9), row("hive-rust", 400, 6.69)], None)
    throughput = heavy_query(result)[-1]
    assert (throughput.measured, throughput.met) == ("600 vs 400 req/s: 1.49×", False)  # 1.49875


def test_the_stacks_taking_turns_judge_the_commerce_latency_over_their_separate_rows() -> None:
    """Measured one after the other the rows meet the target only by the machine's drift."""
    results = [GraphResult(GRAPHS["commerce"], [commerce_row(10.0, 1.33)], None),
               GraphResult(GRAPHS["commerce-baseline"], [commerce_row(26.0, 1.67)], None)]
    paired = Paired(one_client(7.0, 1.33), one_client(13.0, 1.67), 15, 1.0)
    latency, sql = commerce(results[0], results[1], paired)[:2]
    assert (latency.measured, latency.met) == ("7.00 vs 13.00 ms: 0.539×", False)
    assert "taking turns" in latency.asked and (sql.measured, sql.met) == ("1.33 vs 1.67", True)
    assert commerce(results[0], results[1])[0].met is True and "one after the other" in commerce(*results)[0].asked
    assert any("taking turns" in line and "| missed |" in line for line in targets_lines(results, paired))
