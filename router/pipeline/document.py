"""The document stage: query text → parsed, validated operation against the API schema (cached
per schema, so a repeated query costs one hash and one dictionary look-up), then its variables
coerced. The hard ceilings of router/pipeline/document_limits.py hold before each costly step."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
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

from router.pipeline.document_limits import (
    DocumentLimitError,
    DocumentLimits,
    TierTokens,
    check_field_merges,
    check_size,
    check_tokens,
)
from router.pipeline.request import DocumentError, PreparedOperation, RequestError, RouterRequest, text_hash
from router.pipeline.stage import Stage


NAMED_OPERATIONS = 10  # an error names this many of a document's operations, never all of them
# the codes Apollo's routers give these request errors, so clients moving over keep branching on them
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
UNKNOWN_OPERATION_NAME = "GRAPHQL_UNKNOWN_OPERATION_NAME"  # Apollo Router's
NO_OPERATION_CHOSEN = "INVALID_GRAPHQL"  # Apollo Gateway's, for several operations and no operationName
BAD_USER_INPUT = "BAD_USER_INPUT"


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """GetOperation() from the GraphQL spec, with its request errors spelled out."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        names = ", ".join(o.name.value if o.name else "(anonymous)" for o in operations[:NAMED_OPERATIONS])
        names += ", …" if len(operations) > NAMED_OPERATIONS else ""
        raise DocumentError([GraphQLError(
            f"The document holds {len(operations)} operations ({names}); send 'operationName' to choose one."
        )], NO_OPERATION_CHOSEN)
    for operation in operations:
        if operation.name and operation.name.value == operation_name:
            return operation
    raise DocumentError([GraphQLError(f"The document has no operation named '{operation_name}'.")],
                        UNKNOWN_OPERATION_NAME)


def prepare_operation(schema: GraphQLSchema, query: str, operation_name: str | None,
                      *, introspection: bool = True, limits: DocumentLimits = DocumentLimits()) -> PreparedOperation:
    """Check the ceilings, parse, validate (all spec rules; introspection refused when off),
    choose the operation."""
    document, tokens = validated_document(schema, query, introspection=introspection, limits=limits)
    return PreparedOperation(document, select_operation(document, operation_name), text_hash(query), tokens=tokens)


def validated_document(schema: GraphQLSchema, query: str, *, introspection: bool = True,
                       limits: DocumentLimits = DocumentLimits()) -> tuple[DocumentNode, int]:
    """(document, tokens): each step only after the ceilings that bound it held, so no document
    costs more than the largest allowed one. Over a ceiling: DocumentLimitError."""
    check_size(query.encode(), limits)
    tokens = lexed(query, limits)
    return parsed_and_validated(schema, query, limits, introspection=introspection), tokens


def lexed(query: str, limits: DocumentLimits, tier: TierTokens | None = None) -> int:
    """The token ceiling (and the tier's token maximum) on a document within the size ceiling;
    the token count."""
    try:
        return check_tokens(query, limits, tier)
    except GraphQLError as error:  # the lexer's own syntax errors
        raise DocumentError([error], PARSE_FAILED) from error


def parsed_and_validated(schema: GraphQLSchema, query: str, limits: DocumentLimits, *,
                         introspection: bool = True) -> DocumentNode:
    """Parse (within the token ceiling), bound validation's work, validate."""
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        raise DocumentError([error], PARSE_FAILED) from error
    check_field_merges(document, limits)
    rules = list(specified_rules)
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    errors = validate(schema, document, rules)
    if errors:
        raise DocumentError(list(errors), VALIDATION_FAILED)
    return document


def coerce_variables(schema: GraphQLSchema, prepared: PreparedOperation,
                     variables: dict[str, Any]) -> PreparedOperation:
    """CoerceVariableValues(): a request error (before execution) when a value does not fit.
    The coerced values (defaults applied) travel with the operation, so nothing coerces twice."""
    coerced = get_variable_values(schema, prepared.operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        raise DocumentError(coerced, BAD_USER_INPUT)
    return replace(prepared, variable_values=coerced)


@dataclass(frozen=True)
class _Entry:
    """A validated document, or why it is not one; `weight` estimates the memory it holds."""

    result: tuple[DocumentNode, int] | DocumentError
    weight: int


AST_BYTES_PER_TOKEN = 500  # measured with tracemalloc on graphql-core 3.2 ASTs: about 330-600
ERROR_BYTES = 1000


class DocumentCache:
    """Validated documents (and document errors) for one schema, keyed by a SHA-256 of the text
    (the key never holds the text), bounded in entries and in the memory they hold: the text
    (each AST keeps its source) plus its parsed form. Refusals for a ceiling are never cached."""

    def __init__(self, schema: GraphQLSchema, *, introspection: bool = True, size: int | None = None,
                 limits: DocumentLimits = DocumentLimits(), looked_up: Callable[[bool], None] | None = None) -> None:
        self.schema = schema
        self.looked_up = looked_up  # told hit (True) or miss of every lookup, for /metrics
        self.introspection = introspection
        self.limits = limits
        self.size = size if size is not None else limits.cache_entries
        self.weight = 0
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def prepare(self, query: str, operation_name: str | None, tier: TierTokens | None = None) -> PreparedOperation:
        """`tier`: refuse a document over the caller's own token maximum before parsing it."""
        encoded = query.encode()
        check_size(encoded, self.limits)
        digest = hashlib.sha256(encoded)  # one hash: the cache's key, and the operation's document_hash
        key = digest.digest()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if self.looked_up is not None:
            self.looked_up(entry is not None)
        if entry is None:
            entry = self._validate(query, len(encoded), tier)
            self._store(key, entry)
        if isinstance(entry.result, DocumentError):
            raise DocumentError(entry.result.graphql_errors)  # a fresh exception: no traceback grows across hits
        document, tokens = entry.result
        operation = select_operation(document, operation_name)
        return PreparedOperation(document, operation, digest.hexdigest(), tokens=tokens)

    def _validate(self, query: str, size: int, tier: TierTokens | None) -> _Entry:
        """The entry to cache; a ceiling's refusal is raised instead."""
        try:
            tokens = lexed(query, self.limits, tier)
        except DocumentLimitError:
            raise
        except DocumentError as error:  # a lexical error holds the source, no tokens
            return _Entry(error, size + ERROR_BYTES)
        # Every token stays linked from the AST's locations, comments included ('#' counts each at most once).
        held = size + (tokens + query.count("#")) * AST_BYTES_PER_TOKEN
        try:
            document = parsed_and_validated(self.schema, query, self.limits, introspection=self.introspection)
        except DocumentLimitError:
            raise
        except DocumentError as error:
            return _Entry(error, held)
        return _Entry((document, tokens), held)

    def _store(self, key: bytes, entry: _Entry) -> None:
        if entry.weight > self.limits.cache_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self.weight -= previous.weight if previous is not None else 0
            self._entries[key] = entry
            self.weight += entry.weight
            while len(self._entries) > self.size or self.weight > self.limits.cache_bytes:
                self.weight -= self._entries.popitem(last=False)[1].weight


def document_stage(documents: DocumentCache, tier_tokens: Callable[[str], int] | None = None,
                   refused: Callable[[str], None] | None = None) -> Stage:
    """Parse, validate and choose the operation (cached), coerce its variables; GET may not run a
    mutation (405, Allow: POST). `tier_tokens`: the caller tier's token maximum, checked on the
    lexer pass's count too, so no caller's document over its own limit is ever parsed.
    `refused(limit)` counts each ceiling or tier limit that refused a document (for /metrics)."""

    async def document(request: RouterRequest) -> None:
        graphql = request.graphql
        tier = TierTokens(tier_tokens(request.caller.tier), request.caller.tier) if tier_tokens else None
        try:
            prepared = documents.prepare(graphql.query, graphql.operation_name, tier)
        except DocumentLimitError as error:
            if refused is not None:
                for limit in error.limits():
                    refused(limit)
            raise
        if graphql.method == "GET" and prepared.operation_type is not OperationType.QUERY:
            kind = prepared.operation_type.value
            raise RequestError(f"A {kind} cannot be sent with GET; use POST.", status=405, headers={"Allow": "POST"})
        request.operation = coerce_variables(documents.schema, prepared, graphql.variables)

    return Stage("document", document)
