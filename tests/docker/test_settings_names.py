"""Every environment variable docker/ sets on a Graft process is one that process reads: router
settings (`GRAFT_<SECTION>__<KEY>`) are checked against the router's pydantic model, everything else
against the names the code it runs reads (string literals, `<NAME>_...` built from a subgraph's
name, OpenTelemetry's own). The issue's REDIS_URL on the router would fail here."""

from __future__ import annotations

import re
import typing
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from router.config import RouterSettings
from router.marketplace import NAMES
from tests.docker.manifests import (DOCKER, OVERLAYS, compose_env, env_names, graft_containers, graft_services,
                                    render)

ROOT = DOCKER.parent
_LITERAL = re.compile(r"[\"']([A-Z][A-Z0-9_]{2,})[\"']")
_PER_SUBGRAPH = re.compile(r"\{name\.upper\(\)\}(_[A-Z0-9_]+)")
# the packages each kind of process runs; router/dev.py is `make run`'s supervisor, not the server
SOURCES = {"router": (("router", "auth"), ("router/dev.py",)),
           "subgraph": (("subgraphs", "auth"), ()),
           "command": (("router", "subgraphs", "auth"), ())}


@cache
def names_read(kind: str) -> frozenset[str]:
    packages, excluded = SOURCES[kind]
    names: set[str] = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if str(path.relative_to(ROOT)) in excluded:
                continue
            text = path.read_text()
            names |= set(_LITERAL.findall(text))
            names |= {sub.upper() + suffix for suffix in _PER_SUBGRAPH.findall(text) for sub in NAMES}
    if kind == "subgraph":  # the OTLP exporter reads OpenTelemetry's variables itself
        import opentelemetry.sdk.environment_variables as otel

        names |= {v for k, v in vars(otel).items() if k.startswith("OTEL_") and isinstance(v, str)}
    return frozenset(names)


def _model(annotation: Any) -> type[BaseModel] | None:
    """The settings model under a field's type (Optional and dict values unwrapped), if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def router_setting(name: str) -> bool:
    """GRAFT_A__B__C names a field of RouterSettings (a dict's keys, e.g. subgraph names, are free)."""
    if not name.startswith("GRAFT_"):
        return False
    model: type[BaseModel] | None = RouterSettings
    parts = name.removeprefix("GRAFT_").lower().split("__")
    while parts:
        if model is None:
            return False
        field = model.model_fields.get(parts.pop(0))
        if field is None:
            return False
        if typing.get_origin(field.annotation) is dict:
            if not parts:
                return False
            parts.pop(0)
            model = _model(typing.get_args(field.annotation)[1])
            continue
        model = _model(field.annotation)
    return True


def kind_of(args: list[str]) -> str:
    return {"serve": "router", "subgraph": "subgraph"}.get(args[0] if args else "", "command")


def unread(kind: str, names: set[str]) -> list[str]:
    return sorted(n for n in names if not (kind == "router" and router_setting(n)) and n not in names_read(kind))


def dockerfile_env() -> set[str]:
    line = next(x for x in (DOCKER / "Dockerfile").read_text().splitlines() if x.startswith("ENV "))
    return {pair.split("=", 1)[0] for pair in line.removeprefix("ENV ").split()} - {"PATH"}


@pytest.mark.parametrize("service", sorted(graft_services()))
def test_compose_sets_only_variables_the_process_reads(service):
    definition = graft_services()[service]
    kind = kind_of(definition["command"])
    assert unread(kind, set(compose_env(definition))) == []


def test_the_image_sets_only_variables_the_router_or_the_subgraphs_read():
    """The Dockerfile's ENV is every process's: each name must be read by one of them."""
    names = dockerfile_env()
    assert {"GRAFT_HOST", "GRAFT_LISTEN__HOST", "GRAFT_DATA_DIR"} <= names
    assert set(unread("router", names)) & set(unread("subgraph", names)) == set()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_sets_only_variables_the_process_reads(overlay):
    resources = render(overlay)
    containers = [c for _, c in graft_containers(resources) if "args" in c]
    assert {kind_of(c["args"]) for c in containers} == {"router", "subgraph", "command"}
    for container in containers:
        assert unread(kind_of(container["args"]), env_names(container, resources)) == [], container["name"]


def test_the_check_refuses_what_a_process_ignores():
    """REDIS_URL on the router (the issue), a misspelt router setting, a made-up variable."""
    assert unread("router", {"REDIS_URL", "GRAFT_REDIS__URL", "GRAFT_AUTH__AUTHORIZATION_SERVER",
                             "GRAFT_REDIS__URI", "GRAFT_SUBGRAPHS__CATALOG__URI"}) == [
        "GRAFT_REDIS__URI", "GRAFT_SUBGRAPHS__CATALOG__URI", "REDIS_URL"]
    assert unread("subgraph", {"REDIS_URL", "CATALOG_URL", "GRAFT_REDIS__URL", "GRAFT_KEYS_FILE"}) == [
        "GRAFT_REDIS__URL"]
    assert Path(ROOT / "router" / "dev.py").read_text().count("REDIS_URL")  # excluded on purpose, still there
