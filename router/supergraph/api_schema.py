"""The API schema: the supergraph as clients see it, machinery and @inaccessible removed, with
introspection as the spec defines it."""

from __future__ import annotations

from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveLocation,
    DocumentNode,
    GraphQLDeferDirective,
    GraphQLError,
    GraphQLSchema,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    Visitor,
    build_ast_schema,
    parse,
    visit,
)
from graphql.language.visitor import REMOVE

from router.supergraph.introspection import spec_schema
from router.supergraph.links import LinkImports
from router.supergraph.model import SupergraphError

KEPT_DIRECTIVES = {"deprecated", "specifiedBy", "oneOf"}
EXECUTABLE = {loc.value for loc in (
    DirectiveLocation.QUERY, DirectiveLocation.MUTATION, DirectiveLocation.SUBSCRIPTION, DirectiveLocation.FIELD,
    DirectiveLocation.FRAGMENT_DEFINITION, DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT,
    DirectiveLocation.VARIABLE_DEFINITION,
)}


class _ApiVisitor(Visitor):
    def __init__(self, links: LinkImports) -> None:
        super().__init__()
        self.links = links
        self.inaccessible = links.directive("inaccessible")

    def _hidden(self, node: Any) -> bool:
        return any(d.name.value == self.inaccessible for d in (getattr(node, "directives", None) or ()))

    def enter(self, node: Any, *_: Any) -> Any:
        if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            return node.__class__(operation_types=node.operation_types or (), directives=())
        if isinstance(node, DirectiveDefinitionNode):
            executable = any(loc.value in EXECUTABLE for loc in node.locations)
            return None if executable and not self.links.is_machinery(node.name.value, directive=True) else REMOVE
        if isinstance(node, (TypeDefinitionNode, TypeExtensionNode)) and self.links.is_machinery(node.name.value):
            return REMOVE
        if hasattr(node, "directives") and self._hidden(node):
            return REMOVE
        return None

    def leave(self, node: Any, *_: Any) -> Any:
        directives = getattr(node, "directives", None)
        if directives and not isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            kept = tuple(d for d in directives if d.name.value in KEPT_DIRECTIVES)
            if len(kept) != len(directives):
                return _replace(node, directives=kept)
        return None


def _replace(node: Any, **changes: Any) -> Any:
    """A copy of an AST node with some attributes changed (nodes are not dataclasses)."""
    values = {key: getattr(node, key) for key in node.keys if key != "loc"}
    return node.__class__(**{**values, **changes})


def api_document(document: DocumentNode, links: LinkImports) -> DocumentNode:
    return visit(document, _ApiVisitor(links))


def build_api_schema(sdl: str, links: LinkImports) -> GraphQLSchema:
    try:
        return spec_schema(with_defer(build_ast_schema(api_document(parse(sdl), links))))
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(f"API schema cannot be built from the supergraph: {exc}") from None


def with_defer(schema: GraphQLSchema) -> GraphQLSchema:
    """The router serves @defer itself (incremental delivery), so clients may use it and see it."""
    if schema.get_directive("defer") is not None:
        return schema
    kwargs = schema.to_kwargs()
    kwargs["directives"] = (*schema.directives, GraphQLDeferDirective)
    return GraphQLSchema(**kwargs)
