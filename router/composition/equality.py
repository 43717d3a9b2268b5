"""Semantic form of a supergraph: equal when types, fields, arguments, defaults, values,
directives and descriptions agree, whatever their order and formatting."""

from __future__ import annotations

from graphql import parse, print_ast
from graphql.language import ast


def semantic_form(sdl: str) -> dict[tuple[str, str], tuple]:
    doc = parse(sdl)
    return {(type(d).__name__, getattr(getattr(d, "name", None), "value", "schema")): _definition(d) for d in doc.definitions}


def differences(ours: str, reference: str) -> list[str]:
    """Human-readable lines naming each definition that differs."""
    a, b = semantic_form(ours), semantic_form(reference)
    return [f"{kind} {name}:\n  ours: {a.get((kind, name))}\n  ref:  {b.get((kind, name))}"
            for kind, name in sorted(set(a) | set(b)) if a.get((kind, name)) != b.get((kind, name))]


def _directives(nodes) -> tuple[str, ...]:
    return tuple(sorted(print_ast(d) for d in nodes or ()))


def _definition(node) -> tuple:
    if isinstance(node, ast.SchemaDefinitionNode):
        return _directives(node.directives), tuple(sorted(print_ast(o) for o in node.operation_types))
    out: list = [type(node).__name__, _directives(getattr(node, "directives", ())), _description(node)]
    if getattr(node, "interfaces", None):
        out.append(tuple(sorted(i.name.value for i in node.interfaces)))
    if getattr(node, "types", None):
        out.append(tuple(sorted(i.name.value for i in node.types)))
    if isinstance(node, ast.DirectiveDefinitionNode):
        out += [node.repeatable, tuple(sorted(loc.value for loc in node.locations))]
    for attr in ("fields", "values", "arguments"):
        items = getattr(node, attr, None)
        if items:
            out.append(tuple(sorted((i.name.value, _member(i)) for i in items)))
    return tuple(out)


def _member(node) -> tuple:
    kind = print_ast(node.type) if getattr(node, "type", None) else None
    default = print_ast(node.default_value) if getattr(node, "default_value", None) else None
    args = tuple(sorted((a.name.value, _member(a)) for a in getattr(node, "arguments", None) or ()))
    return kind, default, args, _directives(node.directives), _description(node)


def _description(node) -> str | None:
    description = getattr(node, "description", None)
    return description.value.strip() if description else None
