"""FieldSet: the selection string @key, @requires and @provides take, read as GraphQL selections.

Both the per-subgraph rules and the satisfiability walk read field sets, so the parsing lives
here rather than in either of them."""

from __future__ import annotations

from graphql import GraphQLSyntaxError, parse
from graphql.language import ast


def parse_field_set(fields: str) -> list[ast.SelectionNode] | None:
    """A @key/@requires/@provides field set as selections; None when it does not parse."""
    try:
        doc = parse("{" + fields + "}")
    except GraphQLSyntaxError:
        return None
    operation = doc.definitions[0]
    assert isinstance(operation, ast.OperationDefinitionNode), "a braced selection parses as an operation"
    return list(operation.selection_set.selections)
