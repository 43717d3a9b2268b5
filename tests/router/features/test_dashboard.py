"""docker/grafana/graft-dashboard.json names only metrics the router or a subgraph really serves."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.router.features.telemetry_stack import telemetry_stack
from tests.support.processes import ROOT, RunningService

DASHBOARD = ROOT / "docker" / "grafana" / "graft-dashboard.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from telemetry_stack(tmp_path_factory.mktemp("dashboard"))


def served(service: RunningService) -> set[str]:
    """Every series name /metrics declares, whether or not a labelled child has been seen yet."""
    with urllib.request.urlopen(f"{service.url}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return {family.name + suffix for family in text_string_to_metric_families(text)
            for suffix in SUFFIXES.get(family.type, ("",))}


def test_every_metric_on_the_dashboard_is_served(stack):
    exprs = [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for target in panel["targets"]]
    named = {name for expr in exprs for name in re.findall(r"\bgraft_[a-z_]+", expr)}
    assert len(named) >= 8, named
    missing = named - served(stack.router) - served(stack.catalog)
    assert not missing, f"the dashboard names metrics nobody serves: {sorted(missing)}"


def test_the_router_measures_requests_and_subgraph_fetches(stack):
    names = stack.sample_names(stack.router)
    assert {"graft_request_duration_seconds_bucket", "graft_subgraph_fetch_duration_seconds_bucket",
            "graft_requests_in_flight"} <= names
    subgraph = stack.sample_names(stack.catalog)
    assert {"graft_subgraph_request_duration_seconds_bucket", "graft_subgraph_sql_statements_total",
            "graft_subgraph_dataloader_batch_size_bucket"} <= subgraph
