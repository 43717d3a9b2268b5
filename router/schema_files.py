"""schema/<name>.graphql: each subgraph's SDL exactly as `_service { sdl }` serves it."""

from __future__ import annotations

import importlib
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
SUBGRAPHS = ("catalog", "orders", "users", "payments")


def served_sdl(name: str) -> str:
    return importlib.import_module(f"subgraphs.{name}.service").sdl()


def write_schema_files() -> list[Path]:
    written = []
    for name in SUBGRAPHS:
        path = SCHEMA_DIR / f"{name}.graphql"
        path.write_text(served_sdl(name).rstrip("\n") + "\n")
        written.append(path)
    return written


def check_schema_files() -> list[Path]:
    """The files that differ from what the subgraphs serve."""
    stale = []
    for name in SUBGRAPHS:
        path = SCHEMA_DIR / f"{name}.graphql"
        if not path.exists() or path.read_text() != served_sdl(name).rstrip("\n") + "\n":
            stale.append(path)
    return stale
