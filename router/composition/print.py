"""Supergraph SDL in the form @apollo/composition 2.x writes: link v1.0 + join v0.3."""

from __future__ import annotations

import json

from graphql import print_ast

from router.composition.subgraph import Applied
from router.composition.supergraph import JoinField, MergedField, MergedType, Supergraph

_JOIN_FIELD_ARGS = {
    "0.3": "",
    "0.4": ", overrideLabel: String",
    "0.5": ", overrideLabel: String, contextArguments: [join__ContextArgument!]",
}
JOIN_DIRECTIVE = ("directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) "
                  "repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION")
JOIN_CONTEXT_ARGUMENT = """input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}"""


def join_definitions(version: str) -> list[str]:
    """Directive definitions of join v0.3-v0.5, as @apollo/composition writes them."""
    return [
        *([JOIN_DIRECTIVE] if version != "0.3" else []),
        "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
        "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, "
        f"external: Boolean, override: String, usedOverridden: Boolean{_JOIN_FIELD_ARGS[version]}) repeatable on "
        "FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
        "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE",
        "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: "
        "Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | "
        "INPUT_OBJECT | SCALAR",
        "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION",
        "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA",
    ]


def join_types(version: str) -> list[str]:
    return [*([JOIN_CONTEXT_ARGUMENT] if version == "0.5" else []),
            *(["scalar join__DirectiveArguments"] if version != "0.3" else []),
            "scalar join__FieldSet",
            *(["scalar join__FieldValue"] if version == "0.5" else [])]


LINK_TYPES = '''scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''

_ALL = "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
_AUTH = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
# directive → (link, definitions it needs)
SPECS = {
    "inaccessible": ('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)',
                     [f"directive @inaccessible on {_ALL}"]),
    "tag": ('@link(url: "https://specs.apollo.dev/tag/v0.3")',
            [f"directive @tag(name: String!) repeatable on {_ALL} | SCHEMA"]),
    "authenticated": ('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
                      [f"directive @authenticated on {_AUTH}"]),
    "requiresScopes": ('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
                       [f"directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on {_AUTH}",
                        "scalar requiresScopes__Scope"]),
    "policy": ('@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
               [f"directive @policy(policies: [[policy__Policy!]!]!) on {_AUTH}", "scalar policy__Policy"]),
    "cost": ('@link(url: "https://specs.apollo.dev/cost/v0.1")',
             ["directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
              "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
              "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"]),
}
SPECS["listSize"] = SPECS["cost"]
ROOTS = (("query", "Query"), ("mutation", "Mutation"), ("subscription", "Subscription"))


def _used(supergraph: Supergraph) -> set[str]:
    used: set[str] = set()
    for t in supergraph.types.values():
        used.update(a.name for a in t.directives)
        for f in [*t.fields.values(), *t.values.values()]:
            used.update(a.name for a in f.directives)
            for arg in f.args.values():
                used.update(a.name for a in arg.directives)
    return used


def print_supergraph(supergraph: Supergraph) -> str:
    used = _used(supergraph)
    specs = list({SPECS[n][0]: SPECS[n] for n in SPECS if n in used}.values())
    version = supergraph.join_version
    parts = [_schema_definition(supergraph, specs, used), *join_definitions(version)]
    parts += [d for _, defs in specs for d in defs if d.startswith("directive")]
    parts += [print_ast(node) for node in supergraph.composed.values()]
    parts += [d for _, defs in specs for d in defs if d.startswith("scalar")]
    parts += join_types(version)
    graphs = [f"  {enum} @join__graph(name: {json.dumps(name)}, url: {json.dumps(url)})"
              for name, (enum, url) in supergraph.graphs.items()]
    parts += ["enum join__Graph {\n" + "\n".join(graphs) + "\n}", LINK_TYPES]
    enums = {name: enum for name, (enum, _) in supergraph.graphs.items()}
    parts += [_type(t, enums) for t in supergraph.types.values() if not _empty_root(t)]
    return "\n\n".join(parts) + "\n"


def _schema_definition(supergraph: Supergraph, specs: list, used: set[str]) -> str:
    """`schema` with one @link per spec in use (cost imports @listSize only when used) and the roots."""
    links = ['@link(url: "https://specs.apollo.dev/link/v1.0")',
             f'@link(url: "https://specs.apollo.dev/join/v{supergraph.join_version}", for: EXECUTION)']
    for link, _ in specs:
        links.append(link.replace(")", ', import: ["@listSize"])') if "cost/" in link and "listSize" in used else link)
    links += [f"@link(url: {json.dumps(url)}, import: {json.dumps(imports)})".replace('","', '", "')
              for url, imports in supergraph.links]
    roots = [f"  {op}: {name}" for op, name in ROOTS
             if name in supergraph.types and (op == "query" or supergraph.types[name].fields)]
    return "schema\n" + "".join(f"  {link}\n" for link in links) + "{\n" + "\n".join(roots) + "\n}"


def _empty_root(t: MergedType) -> bool:
    return t.name in ("Mutation", "Subscription") and not t.fields


def _describe(description: str | None, indent: str) -> str:
    if not description:
        return ""
    from graphql.language.block_string import print_block_string

    return "\n".join(indent + line if line else line for line in print_block_string(description).split("\n")) + "\n"


def _applied(directives: list[Applied]) -> str:
    out = ""
    for a in directives:
        args = ", ".join(f"{k}: {print_ast(v)}" for k, v in a.args.items())
        out += f" @{a.name}({args})" if args else f" @{a.name}"
    return out


def _join_field(j: JoinField) -> str:
    args = [f"graph: {j.graph}"] if j.graph else []
    for name, value in (("requires", j.requires), ("provides", j.provides), ("type", j.type), ("override", j.override),
                        ("overrideLabel", j.override_label)):
        if value is not None:
            args.append(f"{name}: {json.dumps(value)}")
    if j.external:
        args.append("external: true")
    if j.used_overridden:
        args.append("usedOverridden: true")
    return f" @join__field({', '.join(args)})"


def _join_type(graph: str, key: str | None, extension: bool, resolvable: bool | None, interface_object: bool) -> str:
    args = [f"graph: {graph}"]
    if key is not None:
        args.append(f"key: {json.dumps(key)}")
    if extension:
        args.append("extension: true")
    if resolvable is not None:
        args.append(f"resolvable: {'true' if resolvable else 'false'}")
    if interface_object:
        args.append("isInterfaceObject: true")
    return f"  @join__type({', '.join(args)})"


def _type_directives(t: MergedType, enums: dict[str, str]) -> list[str]:
    lines = []
    for g, src in t.sources.items():
        lines += [f'  @join__implements(graph: {enums[g]}, interface: "{i}")' for i in src.interfaces]
    for g, src in t.sources.items():
        keys = src.keys if t.kind in ("object", "interface") else []
        extension = src.extension and t.kind in ("object", "interface") and t.name not in ("Query", "Mutation", "Subscription")
        if not keys:
            lines.append(_join_type(enums[g], None, extension, None, src.interface_object))
        for key, resolvable in keys:
            lines.append(_join_type(enums[g], key, extension, resolvable, src.interface_object))
    for g, src in t.sources.items():
        lines += [f'  @join__unionMember(graph: {enums[g]}, member: "{m}")' for m in src.members]
    lines += [f"  {_applied([a]).strip()}" for a in t.directives]
    return lines


def _field(f: MergedField, enum_value: bool = False) -> str:
    out = _describe(f.description, "  ") + f"  {f.name}"
    if f.args:
        out += "(" + ", ".join(_argument(a) for a in f.args.values()) + ")"
    if not enum_value:
        out += f": {print_ast(f.type)}"
        if f.default is not None:
            out += f" = {print_ast(f.default)}"
    out += _applied(f.directives)
    if enum_value:
        out += "".join(f" @join__enumValue(graph: {g})" for g in f.graphs)
    elif f.joins is not None:
        out += "".join(_join_field(j) for j in f.joins) if f.joins else " @join__field"
    return out


def _argument(a) -> str:
    out = f"{a.name}: {print_ast(a.type)}"
    if a.default is not None:
        out += f" = {print_ast(a.default)}"
    return out + _applied(a.directives)


KEYWORD = {"object": "type", "interface": "interface", "union": "union", "enum": "enum", "input": "input", "scalar": "scalar"}


def _type(t: MergedType, enums: dict[str, str]) -> str:
    head = _describe(t.description, "") + f"{KEYWORD[t.kind]} {t.name}"
    if t.interfaces:
        head += " implements " + " & ".join(t.interfaces)
    head += "\n" + "\n".join(_type_directives(t, enums))
    if t.kind == "union":
        return head + "\n = " + " | ".join(t.members)
    if t.kind == "scalar":
        return head
    body = [_field(v, enum_value=True) for v in t.values.values()] if t.kind == "enum" else [_field(f) for f in t.fields.values()]
    return head + "\n{\n" + "\n".join(body) + "\n}"

