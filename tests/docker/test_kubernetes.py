"""Every Kustomize overlay renders (`kubectl kustomize`) and every resource it renders is valid for
Kubernetes in strict mode (kubernetes-validate's bundled schemas, offline), as are prod's Secret
templates; and the rendered workloads keep the rules docs/deploy.md states."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.docker.manifests import (OVERLAYS, PROD_SECRETS, container_env, graft_containers, pod_spec,
                                    render)

# the oldest release the manifests target (autoscaling/v2, policy/v1 are GA there) and the newest known
VERSIONS = ("1.25", kubernetes_validate.utils.latest_version())
SUBGRAPHS = ("catalog", "orders", "users", "payments")


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def refusals(resources: list[dict[str, Any]]) -> list[str]:
    found = []
    for resource in resources:
        for version in VERSIONS:
            try:
                kubernetes_validate.validate(resource, version, strict=True)
            except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
                found.append(f"{resource['kind']}/{resource['metadata']['name']} ({version}): {exc.message}")
    return found


def test_every_rendered_resource_is_valid_in_strict_mode(rendered):
    overlay, resources = rendered
    kinds = {r["kind"] for r in resources}
    assert {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
            "Ingress", "Job", "ConfigMap"} <= kinds, overlay
    assert refusals(resources) == []


def test_the_validator_refuses_what_kubernetes_would():
    """The check above can fail: a misspelt probe field and an unknown field are refused."""
    resources = render("dev")
    router = next(r for r in resources if r["kind"] == "Deployment" and r["metadata"]["name"] == "router")
    probe = router["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]
    probe["prot"] = probe.pop("port")
    router["spec"]["replica"] = 2
    assert len(refusals([router])) == len(VERSIONS)


def test_prod_secret_templates_are_valid_and_hold_no_values():
    templates = [doc for doc in yaml.safe_load_all(PROD_SECRETS.read_text()) if doc]
    assert refusals(templates) == []
    for secret in templates:
        assert all("REPLACE-ME" in value for value in secret["stringData"].values()), secret["metadata"]["name"]


def secrets_used(resources: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    """(Secret, key) every pod reads, from env and from volumes (key None: the whole Secret)."""
    used: set[tuple[str, str | None]] = set()
    for resource in resources:
        spec = pod_spec(resource) or {}
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            for item in container.get("env") or []:
                if ref := (item.get("valueFrom") or {}).get("secretKeyRef"):
                    used.add((ref["name"], ref["key"]))
        used |= {(v["secret"]["secretName"], None) for v in spec.get("volumes", []) if "secret" in v}
    for ingress in (r for r in resources if r["kind"] == "Ingress"):
        used |= {(tls["secretName"], None) for tls in ingress["spec"].get("tls", [])}
    return used


def test_every_secret_a_pod_reads_is_rendered_in_dev_and_templated_for_prod(rendered):
    overlay, resources = rendered
    declared = resources if overlay == "dev" else list(yaml.safe_load_all(PROD_SECRETS.read_text()))
    assert not [r for r in resources if r["kind"] == "Secret" and overlay == "prod"], "prod renders no Secret"
    secrets = {s["metadata"]["name"]: s.get("stringData") or {} for s in declared if s and s["kind"] == "Secret"}
    missing = [(name, key) for name, key in secrets_used(resources)
               if name not in secrets or (key is not None and key not in secrets[name])]
    assert missing == []
    if overlay == "dev":
        for _, container in graft_containers(resources):
            container_env(container, resources)  # every reference resolves


def test_workloads_have_probes_resources_budgets_and_autoscalers(rendered):
    _, resources = rendered
    deployments = {r["metadata"]["name"]: r for r in resources if r["kind"] == "Deployment"}
    assert set(deployments) == {"router", *SUBGRAPHS}
    budgets = {r["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
               for r in resources if r["kind"] == "PodDisruptionBudget"}
    scaled = {r["spec"]["scaleTargetRef"]["name"] for r in resources
              if r["kind"] == "HorizontalPodAutoscaler" and r["apiVersion"] == "autoscaling/v2"}
    assert set(deployments) <= budgets and set(deployments) == scaled
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        paths = (container["readinessProbe"]["httpGet"]["path"], container["livenessProbe"]["httpGet"]["path"])
        assert paths == (("/ready", "/health") if name == "router" else ("/health", "/health")), name
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
        for kind in ("requests", "limits"):
            assert set(container["resources"][kind]) == {"cpu", "memory"}, name
    for resource in resources:
        for container in (pod_spec(resource) or {}).get("containers", []):
            assert "resources" in container, resource["metadata"]["name"]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def test_subgraphs_accept_only_the_router_their_peers_and_the_scraper(rendered):
    _, resources = rendered
    policies = [r for r in resources if r["kind"] == "NetworkPolicy"]
    assert any(p["spec"]["podSelector"] == {} and not p["spec"].get("ingress") for p in policies), "default deny"
    for deployment in (r for r in resources if r["kind"] == "Deployment" and r["metadata"]["name"] in SUBGRAPHS):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        rules = [rule for p in policies if _selects(p["spec"]["podSelector"], labels)
                 for rule in p["spec"].get("ingress", [])]
        assert rules, deployment["metadata"]["name"]
        for rule in rules:
            assert rule.get("from"), "a rule without `from` admits every pod"
            for peer in rule["from"]:
                component = (peer.get("podSelector") or {}).get("matchLabels", {}).get("app.kubernetes.io/component")
                namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
                assert component in ("router", "subgraph") and "namespaceSelector" not in peer \
                    or namespace == {"kubernetes.io/metadata.name": "monitoring"}, peer
