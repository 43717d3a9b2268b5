"""A Federation 2 subgraph schema from SDL with graphql-core: `_service`, `_entities` and the directives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, build_schema

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@external", "@requires", "@provides", "@shareable"])\n'
)
DEFINITIONS = """
scalar _Any
scalar FieldSet
scalar link__Import
directive @link(url: String!, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @external on FIELD_DEFINITION | OBJECT
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
type _Service { sdl: String }
"""

Resolver = Callable[..., Any]
Reference = Callable[[Mapping[str, Any]], Any]


def build_subgraph_schema(
    body: str, resolvers: Mapping[str, Resolver], references: Mapping[str, Reference]
) -> tuple[GraphQLSchema, str]:
    """Executable schema plus the SDL the subgraph publishes. `resolvers` keys are "Type.field"."""
    sdl = LINK + body
    entities = " | ".join(references)
    root = "extend type Query" if "type Query" in body else "type Query"
    extra = f"union _Entity = {entities}\n{root} {{ _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }}\n"
    schema = build_schema(DEFINITIONS + body + extra)
    for coordinate, resolve in resolvers.items():
        type_name, field_name = coordinate.split(".")
        owner = schema.type_map[type_name]
        if not isinstance(owner, (GraphQLObjectType, GraphQLInterfaceType)):
            raise TypeError(f"resolver for {coordinate}: {type_name} has no fields")
        owner.fields[field_name].resolve = resolve
    query = schema.query_type
    assert query is not None
    query.fields["_service"].resolve = lambda *_: {"sdl": sdl}
    query.fields["_entities"].resolve = _entities_resolver(references)
    return schema, sdl


def _entities_resolver(references: Mapping[str, Reference]) -> Resolver:
    def resolve(_root: Any, _info: Any, representations: list[Mapping[str, Any]]) -> list[Any]:
        found = []
        for rep in representations:
            typename = rep.get("__typename")
            reference = references.get(typename) if isinstance(typename, str) else None
            if reference is None:
                raise ValueError(f"unknown entity type {typename!r}")
            value = reference(rep)
            found.append(None if value is None else {**value, "__typename": typename})
        return found

    return resolve
