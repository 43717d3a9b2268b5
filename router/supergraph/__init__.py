"""Supergraph SDL → SupergraphModel (join/link read once) and the API schema clients see."""

from router.supergraph.model import SupergraphError, SupergraphModel
from router.supergraph.reading import load_supergraph

__all__ = ["SupergraphError", "SupergraphModel", "load_supergraph"]
