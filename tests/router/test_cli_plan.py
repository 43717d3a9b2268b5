import subprocess
import sys

from router.schema_files import SUPERGRAPH
from tests.support.processes import ROOT


def _plan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "router", "plan", *args], cwd=ROOT, capture_output=True, text=True)


def test_graft_plan_prints_the_plan(tmp_path):
    query = tmp_path / "q.graphql"
    query.write_text("query Mine { me { name orders(first: 1) { edges { node { paymentStatus } } } } }")
    result = _plan("--supergraph", str(SUPERGRAPH), "--query", str(query))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("QueryPlan {") and 'Fetch(service: "users")' in result.stdout
    assert 'Flatten(path: "me.orders.edges.@.node")' in result.stdout and 'Fetch(service: "payments")' in result.stdout


def test_graft_plan_reports_bad_input(tmp_path):
    query = tmp_path / "q.graphql"
    query.write_text("{ nope }")
    result = _plan("--supergraph", str(SUPERGRAPH), "--query", str(query))
    assert result.returncode == 2 and "Cannot query field 'nope'" in result.stderr
    not_supergraph = tmp_path / "s.graphql"
    not_supergraph.write_text("type Query { a: Int }")
    result = _plan("--supergraph", str(not_supergraph), "--query", str(query))
    assert result.returncode == 2 and "Not a supergraph" in result.stderr
