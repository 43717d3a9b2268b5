"""Schema checks: which changes between two supergraphs break clients, compared on API schemas."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLSchema, build_ast_schema, find_breaking_changes, find_dangerous_changes, parse
from graphql.language import ast

SPEC_PREFIXES = ("join__", "link__")
KEEP_DIRECTIVES = {"deprecated", "specifiedBy", "oneOf"}


@dataclass(frozen=True)
class SchemaChange:
    kind: str
    description: str
    breaking: bool

    def __str__(self) -> str:
        return f"{'BREAKING' if self.breaking else 'safe    '} {self.kind}: {self.description}"


def _hidden(node) -> bool:
    return any(d.name.value == "inaccessible" for d in getattr(node, "directives", None) or ())


def _strip(node):
    """A copy without @inaccessible elements and with only client-visible directives."""
    changes = {}
    if getattr(node, "directives", None) is not None:
        changes["directives"] = tuple(d for d in node.directives if d.name.value in KEEP_DIRECTIVES)
    for attr in ("fields", "values", "arguments"):
        items = getattr(node, attr, None)
        if items is not None:
            changes[attr] = tuple(_strip(i) for i in items if not _hidden(i))
    if isinstance(node, ast.UnionTypeDefinitionNode):
        changes["types"] = node.types
    return _replace(node, **changes)


def _replace(node, **changes):
    return type(node)(**{k: changes.get(k, getattr(node, k)) for k in node.keys})


def api_schema(supergraph_sdl: str) -> GraphQLSchema:
    """The schema clients see: no join/link machinery, no @inaccessible elements."""
    doc = parse(supergraph_sdl)
    hidden_types = {d.name.value for d in doc.definitions if hasattr(d, "name") and _hidden(d)}
    kept = []
    for d in doc.definitions:
        if isinstance(d, ast.SchemaDefinitionNode):
            kept.append(_strip(d))
        elif isinstance(d, ast.DirectiveDefinitionNode):
            continue
        elif not isinstance(d, (ast.TypeDefinitionNode, ast.TypeExtensionNode)):
            raise ValueError(f"a supergraph holds schema, directive and type definitions, not {d.kind}")
        elif d.name.value.startswith(SPEC_PREFIXES) or d.name.value in hidden_types:
            continue
        elif d.name.value.endswith(("__Scope", "__Policy")):
            continue
        else:
            node = _strip(d)
            if isinstance(node, ast.UnionTypeDefinitionNode):
                node = _replace(node, types=tuple(t for t in node.types or () if t.name.value not in hidden_types))
            if getattr(node, "interfaces", None):
                node = _replace(node, interfaces=tuple(i for i in node.interfaces if i.name.value not in hidden_types))
            kept.append(node)
    return build_ast_schema(ast.DocumentNode(definitions=tuple(kept)))


def compare_schemas(old_sdl: str, new_sdl: str) -> list[SchemaChange]:
    """Breaking changes (graphql-core's rules) first, then dangerous and additive ones as safe."""
    old, new = api_schema(old_sdl), api_schema(new_sdl)
    changes = [SchemaChange(c.type.name, c.description, True) for c in find_breaking_changes(old, new)]
    changes += [SchemaChange(c.type.name, c.description, False) for c in find_dangerous_changes(old, new)]
    changes += _additions(old, new)
    return changes


def _additions(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    out = []
    for name, t in new.type_map.items():
        if name.startswith("__"):
            continue
        before = old.type_map.get(name)
        if before is None:
            out.append(SchemaChange("TYPE_ADDED", f"{name} was added.", False))
            continue
        for fname in getattr(t, "fields", {}) or {}:
            if fname not in (getattr(before, "fields", {}) or {}):
                out.append(SchemaChange("FIELD_ADDED", f"{name}.{fname} was added.", False))
    return out
