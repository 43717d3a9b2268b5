"""Where a supergraph comes from: an SDL file, or a rover-style supergraph.yaml composed here."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

COMPOSE_SUFFIXES = (".yaml", ".yml")


def read_supergraph(path: Path) -> str:
    """The SDL; a supergraph.yaml is composed (raising CompositionFailed with every error).
    Composition may read subgraph URLs on its own event loop, so it runs in a worker thread."""
    if path.suffix not in COMPOSE_SUFFIXES:
        return path.read_text()
    from router.composition import compose_from_config

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(compose_from_config, path).result()
