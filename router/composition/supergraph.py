"""The composed model the printer writes: merged types, fields and their join metadata."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import ast

from router.composition.subgraph import Applied, Argument, TypeDef


@dataclass
class JoinField:
    graph: str
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False


@dataclass
class MergedField:
    name: str
    type: ast.TypeNode
    args: dict[str, Argument] = field(default_factory=dict)  # merged: intersection, types narrowed
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)
    joins: list[JoinField] | None = None  # None: no @join__field; []: a bare @join__field
    graphs: list[str] = field(default_factory=list)  # enum values of subgraphs holding it
    default: ast.ValueNode | None = None


@dataclass
class MergedType:
    kind: str
    name: str
    sources: dict[str, TypeDef]  # subgraph name → its definition
    description: str | None = None
    fields: dict[str, MergedField] = field(default_factory=dict)
    values: dict[str, MergedField] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    directives: list[Applied] = field(default_factory=list)


@dataclass
class Supergraph:
    graphs: dict[str, tuple[str, str]]  # subgraph name → (enum value, url)
    types: dict[str, MergedType]
    composed: dict[str, ast.DirectiveDefinitionNode]
    links: list[tuple[str, list[str]]]
    join_version: str = "0.3"
    warnings: list[str] = field(default_factory=list)
