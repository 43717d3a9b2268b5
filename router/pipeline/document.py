"""The document stage: query text → parsed, validated operation against the API schema (cached
per schema, so a repeated query costs one dictionary look-up), then its variables coerced."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from threading import Lock
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule

from router.pipeline.request import DocumentError, PreparedOperation, RequestError, RouterRequest
from router.pipeline.stage import Stage


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """GetOperation() from the GraphQL spec, with its request errors spelled out."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        names = ", ".join(o.name.value if o.name else "(anonymous)" for o in operations)
        raise DocumentError([GraphQLError(
            f"The document holds {len(operations)} operations ({names}); send 'operationName' to choose one."
        )])
    for operation in operations:
        if operation.name and operation.name.value == operation_name:
            return operation
    raise DocumentError([GraphQLError(f"The document has no operation named '{operation_name}'.")])


def prepare_operation(schema: GraphQLSchema, query: str, operation_name: str | None,
                      *, introspection: bool = True) -> PreparedOperation:
    """Parse, validate (all spec rules; introspection refused when off), choose the operation."""
    try:
        document = parse(query)
    except GraphQLError as error:
        raise DocumentError([error]) from error
    rules = list(specified_rules)
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    errors = validate(schema, document, rules)
    if errors:
        raise DocumentError(list(errors))
    return PreparedOperation(document, select_operation(document, operation_name))


def coerce_variables(schema: GraphQLSchema, prepared: PreparedOperation,
                     variables: dict[str, Any]) -> PreparedOperation:
    """CoerceVariableValues(): a request error (before execution) when a value does not fit.
    The coerced values (defaults applied) travel with the operation, so nothing coerces twice."""
    coerced = get_variable_values(schema, prepared.operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        raise DocumentError(coerced)
    return replace(prepared, variable_values=coerced)


class DocumentCache:
    """A bounded LRU of prepared operations (and of document errors) for one schema."""

    def __init__(self, schema: GraphQLSchema, *, introspection: bool = True, size: int = 1000) -> None:
        self.schema = schema
        self.introspection = introspection
        self.size = size
        self._entries: OrderedDict[tuple[str, str | None], PreparedOperation | DocumentError] = OrderedDict()
        self._lock = Lock()

    def prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        key = (query, operation_name)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            try:
                entry = prepare_operation(self.schema, query, operation_name, introspection=self.introspection)
            except DocumentError as error:
                entry = error
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        if isinstance(entry, DocumentError):
            raise DocumentError(entry.graphql_errors)  # a fresh exception: no traceback grows across hits
        return entry


def document_stage(documents: DocumentCache) -> Stage:
    """Parse, validate and choose the operation (cached), coerce its variables; GET may not run a
    mutation (405, Allow: POST)."""

    async def document(request: RouterRequest) -> None:
        graphql = request.graphql
        prepared = documents.prepare(graphql.query, graphql.operation_name)
        if graphql.method == "GET" and prepared.operation_type is not OperationType.QUERY:
            kind = prepared.operation_type.value
            raise RequestError(f"A {kind} cannot be sent with GET; use POST.", status=405, headers={"Allow": "POST"})
        request.operation = coerce_variables(documents.schema, prepared, graphql.variables)

    return Stage("document", document)
