"""Introspection as the GraphQL spec defines it, for the API schema.

graphql-core 3.3 adds experimental directive locations (FRAGMENT_VARIABLE_DEFINITION, and
DIRECTIVE_DEFINITION on @deprecated) to its shared introspection types. Clients are served the
spec's `__DirectiveLocation`: an API schema carries its own `__DirectiveLocation`, and the
`__Directive` and `__Schema` types (and the `__schema` field) that lead to it."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from graphql import (
    DirectiveLocation,
    GraphQLCompositeType,
    GraphQLDirective,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    SchemaMetaFieldDef,
    introspection_types,
)

SPEC_LOCATIONS = frozenset(DirectiveLocation) - {
    DirectiveLocation.FRAGMENT_VARIABLE_DEFINITION, DirectiveLocation.DIRECTIVE_DEFINITION}

_LOCATION = cast(GraphQLEnumType, introspection_types["__DirectiveLocation"])
_DIRECTIVE = cast(GraphQLObjectType, introspection_types["__Directive"])
_SCHEMA = cast(GraphQLObjectType, introspection_types["__Schema"])

T = TypeVar("T", bound=GraphQLNamedType)


def _named(type_: T, name: str) -> T:
    """graphql-core refuses to construct a type under an introspection type's reserved name, so
    our own copies are made under another one and renamed."""
    type_.name = name
    return type_


def _replaced(field: GraphQLField, of_type: GraphQLNamedType) -> GraphQLField:
    """The same field, typed `[X!]!` of another X."""
    return GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(of_type))), field.args, field.resolve,
                        description=field.description)


DIRECTIVE_LOCATION = _named(GraphQLEnumType(
    "DirectiveLocation", {name: value for name, value in _LOCATION.values.items() if value.value in SPEC_LOCATIONS},
    description=_LOCATION.description), "__DirectiveLocation")
DIRECTIVE = _named(GraphQLObjectType("Directive", lambda: {
    **_DIRECTIVE.fields, "locations": _replaced(_DIRECTIVE.fields["locations"], DIRECTIVE_LOCATION)},
    description=_DIRECTIVE.description), "__Directive")
SCHEMA = _named(GraphQLObjectType("Schema", lambda: {
    **_SCHEMA.fields, "directives": _replaced(_SCHEMA.fields["directives"], DIRECTIVE)},
    description=_SCHEMA.description), "__Schema")
SCHEMA_FIELD = GraphQLField(GraphQLNonNull(SCHEMA), SchemaMetaFieldDef.args, SchemaMetaFieldDef.resolve,
                            description=SchemaMetaFieldDef.description)


class SpecSchema(GraphQLSchema):
    """A schema whose introspection lists the spec's directive locations only."""

    def __init__(self, **kwargs: Any) -> None:
        directives = kwargs.get("directives")
        if directives is not None:
            kwargs["directives"] = tuple(_spec_directive(d) for d in directives)
        super().__init__(**kwargs)
        self.type_map.update({t.name: t for t in (SCHEMA, DIRECTIVE, DIRECTIVE_LOCATION)})

    def get_field(self, parent_type: GraphQLCompositeType, field_name: str) -> GraphQLField | None:
        if field_name == "__schema":
            return SCHEMA_FIELD if parent_type is self.query_type else None
        return super().get_field(parent_type, field_name)


def spec_schema(schema: GraphQLSchema) -> SpecSchema:
    return SpecSchema(**schema.to_kwargs())


def _spec_directive(directive: GraphQLDirective) -> GraphQLDirective:
    """@deprecated without the experimental DIRECTIVE_DEFINITION location."""
    locations = tuple(loc for loc in directive.locations if loc in SPEC_LOCATIONS)
    if len(locations) == len(directive.locations):
        return directive
    kwargs = directive.to_kwargs()
    kwargs["locations"] = locations
    return GraphQLDirective(**kwargs)
