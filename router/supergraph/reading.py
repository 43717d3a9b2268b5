"""Reading a supergraph SDL into a SupergraphModel, once per supergraph."""

from __future__ import annotations

import hashlib
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    SelectionSetNode,
    build_ast_schema,
    get_named_type,
    parse,
    value_from_ast_untyped,
)

from router.supergraph.api_schema import build_api_schema
from router.supergraph.cost import read_cost_directives
from router.supergraph.links import LinkImports, read_links
from router.supergraph.model import (
    FieldModel,
    FieldSource,
    Graph,
    Key,
    SupergraphError,
    SupergraphModel,
    TypeModel,
)


def load_supergraph(sdl: str) -> SupergraphModel:
    try:
        document = parse(sdl)
    except GraphQLError as exc:
        raise SupergraphError(f"Supergraph is not valid GraphQL SDL: {exc.message}") from None
    links = read_links(document)
    if links.join is None:
        raise SupergraphError("Not a supergraph: no @link to the join spec (https://specs.apollo.dev/join/v0.x)")
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(f"Supergraph schema cannot be built: {exc}") from None
    if schema.query_type is None:
        raise SupergraphError("Supergraph has no query root type")
    graphs = _read_graphs(document, links)
    types = {name: _read_type(t, links, graphs) for name, t in schema.type_map.items()
             if not name.startswith("__") and not links.is_machinery(name)}
    _read_members(schema, types, links)
    api_schema = build_api_schema(sdl, links)
    return SupergraphModel(sdl, hashlib.sha256(sdl.encode()).hexdigest(), schema, api_schema, graphs, types, links,
                           read_cost_directives(document, links))


def directive_args(node: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}


def directives_named(node: Any, name: str) -> list[dict[str, Any]]:
    return [directive_args(d) for d in (getattr(node, "directives", None) or []) if d.name.value == name]


def parse_field_set(fields: str, where: str) -> SelectionSetNode:
    try:
        return parse("{" + fields + "}").definitions[0].selection_set  # type: ignore[attr-defined]
    except GraphQLError as exc:
        raise SupergraphError(f"Invalid field set {fields!r} on {where}: {exc.message}") from None


def _read_graphs(document: DocumentNode, links: LinkImports) -> dict[str, Graph]:
    enum_name, directive = links.join_name("Graph"), links.join_name("graph")
    enum = next((d for d in document.definitions
                 if isinstance(d, EnumTypeDefinitionNode) and d.name.value == enum_name), None)
    if enum is None:
        raise SupergraphError(f"Not a supergraph: the enum {enum_name} is missing")
    graphs = {}
    for value in enum.values or ():
        args = next(iter(directives_named(value, directive)), None)
        if args is None or "name" not in args or "url" not in args:
            raise SupergraphError(f"{enum_name}.{value.name.value} lacks @{directive}(name:, url:)")
        graphs[value.name.value] = Graph(value.name.value, args["name"], args["url"])
    if not graphs:
        raise SupergraphError(f"Not a supergraph: {enum_name} names no subgraph")
    return graphs


def _nodes(named_type: Any) -> list[Any]:
    return [n for n in [named_type.ast_node, *(named_type.extension_ast_nodes or ())] if n is not None]


KINDS = ((GraphQLObjectType, "object"), (GraphQLInterfaceType, "interface"), (GraphQLUnionType, "union"),
         (GraphQLInputObjectType, "input"))


def _read_type(named_type: Any, links: LinkImports, graphs: dict[str, Graph]) -> TypeModel:
    kind = next((k for cls, k in KINDS if isinstance(named_type, cls)), "leaf")
    model = TypeModel(named_type.name, kind)
    join_type = links.join_name("type")
    for node in _nodes(named_type):
        for args in directives_named(node, join_type):
            graph = _graph(args.get("graph"), graphs, named_type.name)
            model.graphs.add(graph)
            if args.get("isInterfaceObject"):
                model.interface_object_graphs.add(graph)
            if args.get("key"):
                selection = parse_field_set(args["key"], f"{named_type.name} in {graph}")
                model.keys.append(Key(graph, args["key"], selection, args.get("resolvable", True) is not False))
    if not model.graphs and kind != "leaf":
        model.graphs = set(graphs)  # a type no @join__type names is in every subgraph
    if kind in ("object", "interface", "input"):
        for name, graphql_field in named_type.fields.items():
            model.fields[name] = _read_field(named_type.name, name, graphql_field, model, links, graphs)
    return model


def _read_field(type_name: str, name: str, graphql_field: Any, owner: TypeModel,
                links: LinkImports, graphs: dict[str, Graph]) -> FieldModel:
    model = FieldModel(name, get_named_type(graphql_field.type).name, type_ref=str(graphql_field.type))
    sources = directives_named(graphql_field.ast_node, links.join_name("field"))
    where = f"{type_name}.{name}"
    for args in sources:
        if args.get("graph") is None:
            continue  # a field composition kept but no subgraph resolves (e.g. interface-only)
        graph = _graph(args["graph"], graphs, where)
        model.sources[graph] = FieldSource(
            graph,
            requires=parse_field_set(args["requires"], where) if args.get("requires") else None,
            provides=parse_field_set(args["provides"], where) if args.get("provides") else None,
            external=bool(args.get("external")),
            override=args.get("override"),
            used_overridden=bool(args.get("usedOverridden")),
            type_name=args["type"].strip("[]!") if args.get("type") else None,
            type_ref=args.get("type") or None,
        )
    if not sources:
        # no @join__field: every subgraph that defines the type resolves the field
        model.sources = {g: FieldSource(g) for g in graphs if g in owner.graphs}  # join__Graph order
    return model


def _read_members(schema: GraphQLSchema, types: dict[str, TypeModel], links: LinkImports) -> None:
    """Which object types each subgraph says implement an interface or belong to a union."""
    implements, member = links.join_name("implements"), links.join_name("unionMember")
    for name, named_type in schema.type_map.items():
        if name not in types:
            continue
        if isinstance(named_type, (GraphQLObjectType, GraphQLInterfaceType)):
            for node in _nodes(named_type):
                for args in directives_named(node, implements):
                    iface = types.get(args["interface"])
                    if iface is not None:
                        iface.members.setdefault(args["graph"], set()).add(name)
        if isinstance(named_type, GraphQLUnionType):
            union = types[name]
            found = False
            for node in _nodes(named_type):
                for args in directives_named(node, member):
                    found = True
                    union.members.setdefault(args["graph"], set()).add(args["member"])
            if not found:  # older supergraphs: every member in every subgraph that has the union
                for graph in union.graphs:
                    union.members[graph] = {t.name for t in named_type.types if graph in types[t.name].graphs}


def _graph(value: Any, graphs: dict[str, Graph], where: str) -> str:
    if value not in graphs:
        raise SupergraphError(f"{where} names unknown subgraph {value!r}")
    return str(value)
