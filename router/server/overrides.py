"""Subgraph URL overrides from settings, applied to the supergraph SDL before the core reads it,
so the core needs no knowledge of router.yaml."""

from __future__ import annotations

import json
from collections.abc import Mapping

from graphql import EnumTypeDefinitionNode, StringValueNode, parse


def join_graphs(sdl: str) -> dict[str, str]:
    """Subgraph name → URL, as the supergraph's join__Graph enum declares them."""
    graphs = {}
    for value in _graph_values(sdl):
        args = _join_graph_args(value)
        if "name" in args:
            graphs[args["name"].value] = args["url"].value if "url" in args else ""
    return graphs


def apply_subgraph_urls(sdl: str, urls: Mapping[str, str]) -> str:
    """The SDL with each named subgraph's URL replaced; unknown names are an error."""
    if not urls:
        return sdl
    unknown = sorted(set(urls) - set(join_graphs(sdl)))
    if unknown:
        raise ValueError(f"settings override URLs of subgraphs the supergraph does not have: {', '.join(unknown)}")
    edits = []  # (start, end, new text) of each url string in the source
    for value in _graph_values(sdl):
        args = _join_graph_args(value)
        name, url = args.get("name"), args.get("url")
        if name is not None and url is not None and url.loc is not None and name.value in urls:
            edits.append((url.loc.start, url.loc.end, json.dumps(urls[name.value])))
    for start, end, text in sorted(edits, reverse=True):
        sdl = sdl[:start] + text + sdl[end:]
    return sdl


def _graph_values(sdl: str):
    for definition in parse(sdl).definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == "join__Graph":
            yield from definition.values or ()


def _join_graph_args(value) -> dict[str, StringValueNode]:
    for directive in value.directives or ():
        if directive.name.value == "join__graph":
            return {a.name.value: a.value for a in directive.arguments if isinstance(a.value, StringValueNode)}
    return {}
