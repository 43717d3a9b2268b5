"""Composition: subgraph SDLs → supergraph SDL (link v1.0, join v0.3), with federation error codes."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from router.composition.config import SubgraphSource, load_config, load_config_async
from router.composition.errors import CompositionError, CompositionFailed

COMPOSE_SUFFIXES = (".yaml", ".yml")


def compose(sources: list[SubgraphSource]) -> str:
    """Compose or raise CompositionFailed listing every error found."""
    from router.composition.merge import Merger
    from router.composition.print import print_supergraph
    from router.composition.subgraph import build_subgraph
    from router.composition.validate import validate

    subgraphs, errors = [], []
    for source in sources:
        try:
            subgraphs.append(build_subgraph(source.name, source.url, source.sdl))
        except CompositionFailed as exc:
            errors += exc.errors
    if errors:
        raise CompositionFailed(errors)
    merger = Merger(subgraphs)
    supergraph = merger.merge()
    for warning in supergraph.warnings:
        logging.getLogger("graft.composition").warning(warning)
    errors = merger.errors + (validate(subgraphs, supergraph) if not merger.errors else [])
    if errors:
        raise CompositionFailed(errors)
    return print_supergraph(supergraph)


def compose_from_config(path: str | Path) -> str:
    """`graft serve --config` and `graft compose` both start here."""
    return compose(load_config(path))


async def compose_from_config_async(path: str | Path) -> str:
    """For callers inside an event loop; composition itself is synchronous and pure."""
    return compose(await load_config_async(path))


def read_supergraph(path: Path) -> str:
    """`graft serve --supergraph`: an SDL file as it is, a supergraph.yaml composed (raising
    CompositionFailed with every error). Composition may read subgraph URLs on its own event loop,
    so it runs in a worker thread: the router calls this from inside its loop."""
    if path.suffix not in COMPOSE_SUFFIXES:
        return path.read_text()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(compose_from_config, path).result()


def stale_supergraph(config: str | Path, published: str | Path) -> list[str]:
    """Differences between the published supergraph file and a fresh composition; [] when current."""
    from router.composition.equality import differences

    return differences(compose_from_config(config), Path(published).read_text())


__all__ = ["CompositionError", "CompositionFailed", "SubgraphSource", "compose", "compose_from_config",
           "compose_from_config_async", "read_supergraph", "stale_supergraph"]
