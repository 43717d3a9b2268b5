"""compose.yaml's structure beyond what the wiring test runs: the order of start (the migration
first), where the keys live, what Prometheus scrapes (its config checked by Debian's promtool) and
what Grafana is given."""

from __future__ import annotations

import json
import subprocess

import yaml

from subgraphs.common.settings import SUBGRAPH_PORTS
from tests.docker.manifests import DOCKER, compose, compose_env, graft_services
from tests.support import services


def test_the_migration_runs_once_before_every_service():
    graft = graft_services()
    assert graft["migrate"]["command"] == ["migrate", "--seed"]
    for name in SUBGRAPH_PORTS:
        assert graft[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert compose_env(graft[name])["GRAFT_DB_SETUP"] == "check", name
    assert set(graft["router"]["depends_on"]) >= set(SUBGRAPH_PORTS)
    assert graft["router"]["ports"] == ["4000:4000"]


def test_only_users_holds_the_keys_on_a_volume_of_its_own():
    graft = graft_services()
    holders = [name for name, svc in graft.items() if "GRAFT_KEYS_FILE" in compose_env(svc)]
    assert holders == ["users"]
    keys = compose_env(graft["users"])["GRAFT_KEYS_FILE"]
    (volume,) = graft["users"]["volumes"]
    name, mount = volume.split(":")
    assert name in compose()["volumes"] and keys.startswith(mount + "/")
    # the image's /data is graft's, which a named volume mounted there first takes on
    assert mount == "/data" and "chown graft:graft /data" in (DOCKER / "Dockerfile").read_text()


def test_prometheus_scrapes_the_router_and_every_subgraph_where_they_serve_metrics():
    config = DOCKER / "prometheus" / "prometheus.yml"
    mounted = [v for v in compose()["services"]["prometheus"]["volumes"] if v.startswith("./prometheus/")]
    assert mounted == ["./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"]
    targets = {t for job in yaml.safe_load(config.read_text())["scrape_configs"]
               for group in job["static_configs"] for t in group["targets"]}
    metrics_port = compose_env(graft_services()["router"])["GRAFT_METRICS__LISTEN"].rsplit(":", 1)[1]
    assert targets == {f"router:{metrics_port}", *(f"{n}:{p}" for n, p in SUBGRAPH_PORTS.items())}
    promtool = services.program("promtool", "promtool (Debian's prometheus)")
    done = subprocess.run([promtool, "check", "config", str(config)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_grafana_gets_the_dashboard_and_a_prometheus_data_source():
    grafana = compose()["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    provisioning = DOCKER / "grafana" / "provisioning"
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "graft.yaml").read_text())["providers"]
    assert mounts["./grafana/graft-dashboard.json"] == f"{provider['options']['path']}/graft-dashboard.json"
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())["datasources"]
    assert source["url"] == "http://prometheus:9090" and source["type"] == "prometheus"
    dashboard = json.loads((DOCKER / "grafana" / "graft-dashboard.json").read_text())
    assert {v["query"] for v in dashboard["templating"]["list"] if v["type"] == "datasource"} == {"prometheus"}
