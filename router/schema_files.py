"""schema/: each subgraph's SDL exactly as `_service { sdl }` serves it, and the supergraph composed
from them (`make schema` writes them, a test checks they are current)."""

from __future__ import annotations

from pathlib import Path

from router.marketplace import SCHEMA_DIR, SUBGRAPHS, MarketplaceSubgraph

SUPERGRAPH_CONFIG = SCHEMA_DIR / "supergraph.yaml"
SUPERGRAPH = SCHEMA_DIR / "supergraph.graphql"


def _schema_text(subgraph: MarketplaceSubgraph) -> str:
    return subgraph.sdl().rstrip("\n") + "\n"


def composed_supergraph() -> str:
    from router.composition import compose_from_config

    return compose_from_config(SUPERGRAPH_CONFIG)


def write_schema_files() -> list[Path]:
    """Each subgraph's SDL, then the supergraph composed from them."""
    for subgraph in SUBGRAPHS:
        subgraph.schema_file.write_text(_schema_text(subgraph))
    SUPERGRAPH.write_text(composed_supergraph())
    return [*(s.schema_file for s in SUBGRAPHS), SUPERGRAPH]


def check_schema_files() -> list[Path]:
    """The files that differ from what the subgraphs serve."""
    stale = [s.schema_file for s in SUBGRAPHS
             if not s.schema_file.exists() or s.schema_file.read_text() != _schema_text(s)]
    if stale or not SUPERGRAPH.exists() or SUPERGRAPH.read_text() != composed_supergraph():
        stale.append(SUPERGRAPH)
    return stale
