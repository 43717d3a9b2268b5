"""Composition: subgraph SDLs → supergraph SDL (link v1.0, join v0.3), with federation error codes."""

from __future__ import annotations

from pathlib import Path

from router.composition.config import SubgraphSource, load_config
from router.composition.errors import CompositionError, CompositionFailed


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
    errors = merger.errors + (validate(subgraphs, supergraph) if not merger.errors else [])
    if errors:
        raise CompositionFailed(errors)
    return print_supergraph(supergraph)


def compose_from_config(path: str | Path) -> str:
    """`graft serve --config` and `graft compose` both start here."""
    return compose(load_config(path))


__all__ = ["CompositionError", "CompositionFailed", "SubgraphSource", "compose", "compose_from_config"]
