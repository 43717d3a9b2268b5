"""Subgraph URL overrides applied to the supergraph SDL."""

from __future__ import annotations

import pytest

from router.server.overrides import apply_subgraph_urls, join_graphs
from tests.router.server.supergraphs import supergraph


def test_override_replaces_only_the_named_url():
    sdl = supergraph("http://old:1/graphql")
    new = apply_subgraph_urls(sdl, {"tiny": "http://new:2/graphql"})
    assert join_graphs(sdl) == {"tiny": "http://old:1/graphql"}
    assert join_graphs(new) == {"tiny": "http://new:2/graphql"}
    assert new.replace("http://new:2/graphql", "http://old:1/graphql") == sdl
    assert apply_subgraph_urls(sdl, {}) == sdl


def test_unknown_subgraph_is_an_error():
    with pytest.raises(ValueError, match="does not have: nope"):
        apply_subgraph_urls(supergraph("http://old:1/graphql"), {"nope": "http://x/graphql"})
