"""Smoke run of the harness on both graphs: Graft's router only (untraced and traced), a few
seconds, no peers. Nothing about speed is asserted, so half-second phases are enough: each row kind
(under load, one client, traced) still runs its code path and reports numbers."""

import re
import subprocess
import sys

import pytest

from tests.support.processes import ROOT

pytestmark = pytest.mark.node


def test_bench_runs_graft_end_to_end_and_writes_the_report(tmp_path):
    report = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--graphs", "benchmark,commerce", "--gateways", "graft,graft-traced",
         "--seconds", "0.5", "--warmup", "0.25",
         "--concurrency", "2", "--sequential-seconds", "0.5", "--output", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text()
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| Graft router (1 worker) |")]
    assert len(rows) == 4, text  # per graph (benchmark, commerce): under load, then one client
    load, one_client = [rows[0], rows[2]], [rows[1], rows[3]]
    assert [row[6].strip() for row in load] == ["0", "0"], text  # errors column
    assert load[0][11].strip() == "n/a" and float(load[1][11]) > 0  # SQL statements only on commerce
    assert all(float(row[2]) > 0 and float(row[3]) > 0 for row in one_client), text  # req/s, p50
    assert one_client[0][7].strip() == "n/a" and float(one_client[1][7]) > 0  # exact SQL per request
    assert text.count("Subgraphs alone (`{ __typename }`") == 2, text
    assert "## Graph `benchmark`" in text and "## Graph `commerce`" in text
    assert "`python -m bench --graphs benchmark,commerce --gateways graft" in text and "## Machine" in text
    traced = [line for line in text.splitlines() if line.startswith("| Graft router (1 worker), tracing on")]
    assert len(traced) == 4, text  # per graph: under load, one client
    exported = [int(n) for n in re.findall(r"graft-traced: (\d+) spans exported", done.stdout)]
    assert len(exported) == 2 and all(n > 0 for n in exported), done.stdout
