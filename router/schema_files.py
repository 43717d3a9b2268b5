"""schema/<name>.graphql: each subgraph's SDL exactly as `_service { sdl }` serves it."""

from __future__ import annotations

import importlib
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
SUBGRAPHS = ("catalog", "orders", "users", "payments")


def served_sdl(name: str) -> str:
    return importlib.import_module(f"subgraphs.{name}.service").sdl()


SUPERGRAPH_CONFIG = SCHEMA_DIR / "supergraph.yaml"
SUPERGRAPH = SCHEMA_DIR / "supergraph.graphql"


def composed_supergraph() -> str:
    from router.composition import compose_from_config

    return compose_from_config(SUPERGRAPH_CONFIG)


def write_schema_files() -> list[Path]:
    """Each subgraph's SDL, then the supergraph composed from them."""
    written = []
    for name in SUBGRAPHS:
        path = SCHEMA_DIR / f"{name}.graphql"
        path.write_text(served_sdl(name).rstrip("\n") + "\n")
        written.append(path)
    SUPERGRAPH.write_text(composed_supergraph())
    return [*written, SUPERGRAPH]


def check_schema_files() -> list[Path]:
    """The files that differ from what the subgraphs serve."""
    stale = []
    for name in SUBGRAPHS:
        path = SCHEMA_DIR / f"{name}.graphql"
        if not path.exists() or path.read_text() != served_sdl(name).rstrip("\n") + "\n":
            stale.append(path)
    if stale or not SUPERGRAPH.exists() or SUPERGRAPH.read_text() != composed_supergraph():
        stale.append(SUPERGRAPH)
    return stale
