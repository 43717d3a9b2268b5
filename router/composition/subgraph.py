"""One subgraph's SDL → a normalized model: federation directives resolved through @link imports
(renames, `federation__` prefixes) or Federation 1 names, extensions folded into their types."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import GraphQLSyntaxError, parse
from graphql.language import ast

from router.composition.errors import CompositionError, CompositionFailed

FEDERATION_SPEC = "specs.apollo.dev/federation/"
FEDERATION_DIRECTIVES = (
    "key", "requires", "provides", "external", "extends", "shareable", "inaccessible", "override",
    "tag", "interfaceObject", "composeDirective", "authenticated", "requiresScopes", "policy",
    "cost", "listSize", "context", "fromContext",
)
FEDERATION_TYPES = {
    "_Service", "_Any", "_Entity", "FieldSet", "_FieldSet", "link__Import", "link__Purpose",
    "federation__FieldSet", "federation__Scope", "federation__Policy", "federation__ContextFieldValue",
    "link__FieldSet", "Scope", "Policy",
}
DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


@dataclass
class Applied:
    """A directive application kept for the supergraph (canonical name, printed arguments)."""

    name: str
    args: dict[str, ast.ValueNode]


@dataclass
class Argument:
    name: str
    type: ast.TypeNode
    default: ast.ValueNode | None
    description: str | None
    directives: list[Applied]


@dataclass
class Field:
    name: str
    type: ast.TypeNode
    args: dict[str, Argument]
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)
    external: bool = False
    shareable: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    default: ast.ValueNode | None = None


@dataclass
class TypeDef:
    kind: str  # object, interface, union, enum, input, scalar
    name: str
    description: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    keys: list[tuple[str, bool | None]] = field(default_factory=list)  # (fields, resolvable as written)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, Field] = field(default_factory=dict)
    directives: list[Applied] = field(default_factory=list)
    extension: bool = False
    defined: bool = False
    interface_object: bool = False
    shareable: bool = False


@dataclass
class Subgraph:
    name: str
    url: str
    fed2: bool
    version: tuple[int, int]  # federation spec version; (1, 0) for Federation 1
    types: dict[str, TypeDef]
    roots: dict[str, str]
    composed: dict[str, ast.DirectiveDefinitionNode]
    composed_links: list[tuple[str, list[str]]]


def _string(value: ast.ValueNode | None) -> str | None:
    return value.value if isinstance(value, ast.StringValueNode) else None


def _args(node: ast.DirectiveNode) -> dict[str, ast.ValueNode]:
    return {a.name.value: a.value for a in node.arguments or ()}


class _Names:
    """Maps the names a subgraph uses to canonical federation directive names."""

    def __init__(self, doc: ast.DocumentNode) -> None:
        self.fed2 = False
        self.version = (1, 0)
        self.local: dict[str, str] = {}
        self.links: list[tuple[str, list[str]]] = []
        self.compose: list[str] = []
        for node in doc.definitions:
            if isinstance(node, (ast.SchemaDefinitionNode, ast.SchemaExtensionNode)):
                for d in node.directives or ():
                    self._schema_directive(d)
        if not self.fed2:
            self.local = {n: n for n in FEDERATION_DIRECTIVES}

    def _schema_directive(self, d: ast.DirectiveNode) -> None:
        args = _args(d)
        if d.name.value == "link":
            url = _string(args.get("url")) or ""
            imports = _imports(args.get("import"))
            if FEDERATION_SPEC in url:
                self.fed2 = True
                found = re.search(r"/v(\d+)\.(\d+)", url)
                self.version = (int(found[1]), int(found[2])) if found else (2, 0)
                prefix = _string(args.get("as")) or "federation"
                imported = {name.lstrip("@") for name, _ in imports}
                for name in FEDERATION_DIRECTIVES:
                    if name not in imported:
                        self.local[f"{prefix}__{name}"] = name
                for name, alias in imports:
                    if name.lstrip("@") in FEDERATION_DIRECTIVES:
                        self.local[alias.lstrip("@")] = name.lstrip("@")
            else:
                self.links.append((url, [n for n, _ in imports]))
        elif self.local.get(d.name.value) == "composeDirective" or d.name.value == "composeDirective":
            self.compose.append((_string(args.get("name")) or "").lstrip("@"))

    def canonical(self, name: str) -> str | None:
        return self.local.get(name)


def _imports(value: ast.ValueNode | None) -> list[tuple[str, str]]:
    out = []
    for item in value.values if isinstance(value, ast.ListValueNode) else ():
        if isinstance(item, ast.StringValueNode):
            out.append((item.value, item.value))
        elif isinstance(item, ast.ObjectValueNode):
            fields = {f.name.value: _string(f.value) for f in item.fields}
            out.append((fields.get("name") or "", fields.get("as") or fields.get("name") or ""))
    return out


CARRIED = {"inaccessible", "tag", "authenticated", "requiresScopes", "policy", "cost", "listSize"}
KIND_OF = {
    ast.ObjectTypeDefinitionNode: "object", ast.ObjectTypeExtensionNode: "object",
    ast.InterfaceTypeDefinitionNode: "interface", ast.InterfaceTypeExtensionNode: "interface",
    ast.UnionTypeDefinitionNode: "union", ast.UnionTypeExtensionNode: "union",
    ast.EnumTypeDefinitionNode: "enum", ast.EnumTypeExtensionNode: "enum",
    ast.InputObjectTypeDefinitionNode: "input", ast.InputObjectTypeExtensionNode: "input",
    ast.ScalarTypeDefinitionNode: "scalar", ast.ScalarTypeExtensionNode: "scalar",
}


class _Builder:
    def __init__(self, name: str, names: _Names) -> None:
        self.name = name
        self.names = names
        self.errors: list[CompositionError] = []

    def applied(self, nodes) -> tuple[list[Applied], dict[str, list[dict[str, ast.ValueNode]]]]:
        """Carried directives, and federation ones by canonical name."""
        carried: list[Applied] = []
        federation: dict[str, list[dict[str, ast.ValueNode]]] = {}
        for d in nodes or ():
            local = d.name.value
            canonical = self.names.canonical(local)
            if canonical in CARRIED:
                carried.append(Applied(canonical, _args(d)))
            elif canonical:
                federation.setdefault(canonical, []).append(_args(d))
            elif local in ("deprecated", "specifiedBy") or local in self.names.compose:
                carried.append(Applied(local, _args(d)))
        return carried, federation

    def argument(self, node: ast.InputValueDefinitionNode) -> Argument:
        carried, _ = self.applied(node.directives)
        desc = node.description.value if node.description else None
        return Argument(node.name.value, node.type, node.default_value, desc, carried)

    def field(self, node, type_shareable: bool) -> Field:
        carried, fed = self.applied(node.directives)
        args = getattr(node, "arguments", None) or ()
        f = Field(node.name.value, node.type, {a.name.value: self.argument(a) for a in args})
        f.description = node.description.value if getattr(node, "description", None) else None
        f.directives = carried
        f.default = getattr(node, "default_value", None)
        f.external = "external" in fed
        f.shareable = "shareable" in fed or type_shareable or not self.names.fed2
        f.requires = _string(fed["requires"][0].get("fields")) if "requires" in fed else None
        f.provides = _string(fed["provides"][0].get("fields")) if "provides" in fed else None
        if "override" in fed:
            f.override = _string(fed["override"][0].get("from"))
            f.override_label = _string(fed["override"][0].get("label"))
        return f

    def value(self, node: ast.EnumValueDefinitionNode) -> Field:
        carried, _ = self.applied(node.directives)
        desc = node.description.value if node.description else None
        return Field(node.name.value, ast.NamedTypeNode(name=ast.NameNode(value="")), {}, desc, carried)

    def add(self, types: dict[str, TypeDef], node) -> None:
        kind = KIND_OF[type(node)]
        name = node.name.value
        t = types.setdefault(name, TypeDef(kind, name))
        is_ext = type(node).__name__.endswith("ExtensionNode")
        carried, fed = self.applied(node.directives)
        t.directives += carried
        t.defined = t.defined or not is_ext
        t.extension = t.extension or "extends" in fed
        t.interface_object = t.interface_object or "interfaceObject" in fed
        shareable = "shareable" in fed
        t.shareable = t.shareable or shareable
        if getattr(node, "description", None) and not t.description:
            t.description = node.description.value
        for key in fed.get("key", ()):
            resolvable = key.get("resolvable")
            explicit = resolvable.value if isinstance(resolvable, ast.BooleanValueNode) else None
            t.keys.append((_string(key.get("fields")) or "", explicit))
        t.interfaces += [i.name.value for i in getattr(node, "interfaces", None) or ()]
        t.members += [m.name.value for m in getattr(node, "types", None) or ()]
        for v in getattr(node, "values", None) or ():
            t.values[v.name.value] = self.value(v)
        for f in getattr(node, "fields", None) or ():
            if f.name.value in t.fields:
                self.errors.append(CompositionError("INVALID_GRAPHQL", f"[{self.name}] field {name}.{f.name.value} is defined twice"))
            built = self.field(f, shareable) if kind != "input" else self.field(f, True)
            built.external = built.external or "external" in fed
            t.fields[f.name.value] = built


def _roots(doc: ast.DocumentNode) -> dict[str, str]:
    roots = dict(DEFAULT_ROOTS)
    for node in doc.definitions:
        if isinstance(node, (ast.SchemaDefinitionNode, ast.SchemaExtensionNode)):
            for op in node.operation_types or ():
                roots[op.operation.value] = op.type.name.value
    return roots


def build_subgraph(name: str, url: str, sdl: str) -> Subgraph:
    """Parse and normalize; raises CompositionFailed on syntax errors or misuse."""
    try:
        doc = parse(sdl)
    except GraphQLSyntaxError as exc:
        raise CompositionFailed([CompositionError("INVALID_GRAPHQL", f"[{name}] {exc.message} at {exc.locations}")]) from exc
    names = _Names(doc)
    builder = _Builder(name, names)
    types: dict[str, TypeDef] = {}
    composed: dict[str, ast.DirectiveDefinitionNode] = {}
    for node in doc.definitions:
        if isinstance(node, (ast.TypeDefinitionNode, ast.TypeExtensionNode)) and node.name.value not in FEDERATION_TYPES:
            builder.add(types, node)
        elif isinstance(node, ast.DirectiveDefinitionNode) and node.name.value in names.compose:
            composed[node.name.value] = node
    if builder.errors:
        raise CompositionFailed(builder.errors)
    _fake_externals(types)
    for t in types.values():
        t.extension = t.extension or (names.fed2 and not t.defined)
    roots = _roots(doc)
    _rename_roots(types, roots)
    query = types.setdefault("Query", TypeDef("object", "Query", defined=True))
    for hidden in ("_service", "_entities"):
        query.fields.pop(hidden, None)
    links = [(u, i) for u, i in names.links if any(n.lstrip("@") in names.compose for n in i)]
    return Subgraph(name, url, names.fed2, names.version, types, {k: DEFAULT_ROOTS[k] for k in roots}, composed, links)


def _rename_roots(types: dict[str, TypeDef], roots: dict[str, str]) -> None:
    """Root types take their default names in the supergraph."""
    for kind, local in roots.items():
        target = DEFAULT_ROOTS[kind]
        if local != target and local in types:
            t = types.pop(local)
            t.name = target
            types[target] = t


def _fake_externals(types: dict[str, TypeDef]) -> None:
    """Key fields marked @external on a type extension are owned by the extension, not external."""
    for t in types.values():
        if t.defined and not t.extension:
            continue
        for fields, _ in t.keys:
            for name in fields.replace("{", " ").replace("}", " ").split():
                f = t.fields.get(name)
                if f is not None and f.external:
                    f.external = False


def type_name(node: ast.TypeNode) -> str:
    """The named type inside any list and non-null wrappers."""
    while isinstance(node, (ast.ListTypeNode, ast.NonNullTypeNode)):
        node = node.type
    if not isinstance(node, ast.NamedTypeNode):
        raise TypeError(f"not a type reference: {node!r}")
    return node.name.value
