"""What the join spec says about each type and field: which subgraphs hold and resolve it."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLSchema, SelectionSetNode

from router.supergraph.cost import CostDirectives
from router.supergraph.links import LinkImports


class SupergraphError(Exception):
    """The file is not a usable supergraph; the message names the problem."""


@dataclass(frozen=True)
class Graph:
    """One subgraph, as join__Graph names it."""

    id: str  # the join__Graph enum value, e.g. INVENTORY
    name: str
    url: str


@dataclass(frozen=True)
class Key:
    graph: str
    fields: str
    selection: SelectionSetNode
    resolvable: bool


@dataclass(frozen=True)
class FieldSource:
    """How one subgraph relates to one field (@join__field)."""

    graph: str
    requires: SelectionSetNode | None = None
    provides: SelectionSetNode | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    type_name: str | None = None  # the named type in this subgraph, when it differs (join__field type:)
    type_ref: str | None = None  # the whole type there, e.g. "ID!" (join__field type:)

    @property
    def resolves(self) -> bool:
        return not self.external and not self.used_overridden


@dataclass
class FieldModel:
    name: str
    type_name: str  # the named (innermost) return type
    sources: dict[str, FieldSource] = field(default_factory=dict)
    type_ref: str = ""  # the whole supergraph type, e.g. "[ID!]"

    def resolving_graphs(self) -> list[str]:
        return [g for g, s in self.sources.items() if s.resolves]


@dataclass
class TypeModel:
    name: str
    kind: str  # object, interface, union, input, enum, scalar
    graphs: set[str] = field(default_factory=set)
    keys: list[Key] = field(default_factory=list)
    interface_object_graphs: set[str] = field(default_factory=set)
    fields: dict[str, FieldModel] = field(default_factory=dict)
    # per graph: the object types that implement this interface or belong to this union there
    members: dict[str, set[str]] = field(default_factory=dict)

    def keys_in(self, graph: str) -> list[Key]:
        return [k for k in self.keys if k.graph == graph]

    @property
    def is_entity(self) -> bool:
        return bool(self.keys)


@dataclass
class SupergraphModel:
    sdl: str
    sha: str
    schema: GraphQLSchema  # the whole supergraph, join machinery included
    api_schema: GraphQLSchema  # what clients see: validation and introspection use it
    graphs: dict[str, Graph]
    types: dict[str, TypeModel]
    links: LinkImports
    costs: CostDirectives = field(default_factory=CostDirectives)  # @cost/@listSize

    def type(self, name: str) -> TypeModel:
        return self.types[name]

    def graph_name(self, graph_id: str) -> str:
        return self.graphs[graph_id].name
