"""schema/: each subgraph's SDL exactly as `_service { sdl }` serves it, the supergraph composed
from them, and the JSON schema of each domain event's payload (schema/events/<type>.json); `make
schema` writes them, a test checks they are current."""

from __future__ import annotations

from pathlib import Path

from router.marketplace import SCHEMA_DIR, SUBGRAPHS, MarketplaceSubgraph

SUPERGRAPH_CONFIG = SCHEMA_DIR / "supergraph.yaml"
SUPERGRAPH = SCHEMA_DIR / "supergraph.graphql"
EVENTS_DIR = SCHEMA_DIR / "events"


def _schema_text(subgraph: MarketplaceSubgraph) -> str:
    return subgraph.sdl().rstrip("\n") + "\n"


def composed_supergraph() -> str:
    from router.composition import compose_from_config

    return compose_from_config(SUPERGRAPH_CONFIG)


def event_schemas() -> dict[Path, str]:
    """Each event type's payload schema as its file should read."""
    import json

    from subgraphs.common.events.envelope import json_schemas

    return {EVENTS_DIR / f"{name}.json": json.dumps(schema, indent=2, sort_keys=True) + "\n"
            for name, schema in json_schemas().items()}


def write_schema_files() -> list[Path]:
    """Each subgraph's SDL, then the supergraph composed from them, then the event schemas."""
    for subgraph in SUBGRAPHS:
        subgraph.schema_file.write_text(_schema_text(subgraph))
    SUPERGRAPH.write_text(composed_supergraph())
    EVENTS_DIR.mkdir(exist_ok=True)
    events = event_schemas()
    for path in set(EVENTS_DIR.glob("*.json")) - set(events):
        path.unlink()  # an event type that is gone
    for path, text in events.items():
        path.write_text(text)
    return [*(s.schema_file for s in SUBGRAPHS), SUPERGRAPH, *events]


def check_schema_files() -> list[Path]:
    """The files that differ from what the subgraphs serve and the event models say."""
    stale = [s.schema_file for s in SUBGRAPHS
             if not s.schema_file.exists() or s.schema_file.read_text() != _schema_text(s)]
    if stale or not SUPERGRAPH.exists() or SUPERGRAPH.read_text() != composed_supergraph():
        stale.append(SUPERGRAPH)
    events = event_schemas()
    stale += [path for path, text in events.items() if not path.exists() or path.read_text() != text]
    stale += sorted(set(EVENTS_DIR.glob("*.json")) - set(events))
    return stale
