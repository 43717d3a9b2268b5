"""Two stacks measured taking turns: each gets its own latencies, CPU and SQL counts."""

import pytest

from bench.graphs import GRAPHS
from bench.report import paired_line
from bench.run import parse_args, run_paired
from bench.tools import ensure_all

pytestmark = pytest.mark.node


def test_two_commerce_stacks_take_turns_and_each_is_measured(tmp_path):
    settings = parse_args(["--graphs", "commerce", "--gateways", "graft", "--paired-rounds", "3",
                           "--paired-seconds", "0.3"])
    assert run_paired(settings, ensure_all(with_peers=False), tmp_path) is None  # no baseline graph: skipped
    paired = run_paired(settings, ensure_all(with_peers=False), tmp_path, (GRAPHS["commerce"], GRAPHS["commerce"]))
    assert paired is not None and paired.rounds == 3
    for side in (paired.now, paired.then):
        assert side.requests > 10 and side.p50_ms > 0 and side.gateway_cpu > 0
        assert 0.85 <= side.seconds <= 1.5, side.seconds  # three turns of 0.3 s, each ending after a whole mix
        assert set(side.subgraph_cpu) == {"catalog", "orders", "users", "payments"}
        assert side.statements_per_request is not None and 1 <= side.statements_per_request <= 2
    assert "Ratio of the p50s" in paired_line(paired)
