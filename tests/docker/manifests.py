"""What docker/ declares, read the way compose and Kubernetes read it: compose.yaml with its
anchors and `${VAR:-default}` defaults, and each Kustomize overlay rendered by `kubectl kustomize`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support import services

DOCKER = Path(__file__).resolve().parents[2] / "docker"
COMPOSE = DOCKER / "compose.yaml"
KUBERNETES = DOCKER / "kubernetes"
OVERLAYS = ("dev", "prod")
PROD_SECRETS = KUBERNETES / "overlays" / "prod" / "secrets.example.yaml"
_DEFAULTED = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolate(value: str) -> str:
    """compose's `${VAR:-default}` and `${VAR}`, taken at their defaults (the host's env aside)."""
    return _DEFAULTED.sub(lambda m: m.group(2) or "", value)


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: interpolate(str(value)) for name, value in env.items()}


def graft_services() -> dict[str, dict[str, Any]]:
    """compose's services that run the Graft image."""
    return {name: svc for name, svc in compose()["services"].items() if svc.get("image") == "graft"}


def kubectl() -> str:
    return services.program("kubectl", "kubectl (Debian's kubernetes-client)")


def render(overlay: str) -> list[dict[str, Any]]:
    """`kubectl kustomize` of one overlay: every resource it would apply."""
    done = subprocess.run([kubectl(), "kustomize", str(KUBERNETES / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def pod_spec(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template of a Deployment, StatefulSet or Job; None for anything else."""
    if resource["kind"] in ("Deployment", "StatefulSet", "Job"):
        spec: dict[str, Any] = resource["spec"]["template"]["spec"]
        return spec
    return None


def secret_data(resources: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Each rendered Secret's values by name (stringData; data decoded)."""
    import base64

    found: dict[str, dict[str, str]] = {}
    for r in resources:
        if r["kind"] == "Secret":
            values = {k: base64.b64decode(v).decode() for k, v in (r.get("data") or {}).items()}
            found[r["metadata"]["name"]] = {**values, **(r.get("stringData") or {})}
    return found


def config_maps(resources: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {r["metadata"]["name"]: r.get("data") or {} for r in resources if r["kind"] == "ConfigMap"}


def container_env(container: dict[str, Any], resources: list[dict[str, Any]]) -> dict[str, str]:
    """The environment Kubernetes gives a container: envFrom, then env (values, Secret and
    ConfigMap keys); a missing key is a KeyError."""
    secrets, maps = secret_data(resources), config_maps(resources)
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            env.update(maps[source["configMapRef"]["name"]])
        else:
            env.update(secrets[source["secretRef"]["name"]])
    for item in container.get("env") or []:
        ref = item.get("valueFrom")
        if ref is None:
            env[item["name"]] = str(item.get("value", ""))
        elif "secretKeyRef" in ref:
            env[item["name"]] = secrets[ref["secretKeyRef"]["name"]][ref["secretKeyRef"]["key"]]
        else:
            env[item["name"]] = maps[ref["configMapKeyRef"]["name"]][ref["configMapKeyRef"]["key"]]
    return env


def env_names(container: dict[str, Any], resources: list[dict[str, Any]]) -> set[str]:
    """Names only, so prod's Secrets (not rendered) need not exist."""
    maps = config_maps(resources)
    names = {item["name"] for item in container.get("env") or []}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            names |= set(maps[source["configMapRef"]["name"]])
    return names


def graft_containers(resources: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(resource, container) for every container of the Graft image, init containers included."""
    found = []
    for r in resources:
        spec = pod_spec(r)
        for c in (spec or {}).get("initContainers", []) + (spec or {}).get("containers", []):
            if re.fullmatch(r"(.*/)?graft(:[\w.-]+)?", c["image"]):
                found.append((r, c))
    return found
