"""Parsed documents and their validity, by query text, for the strawberry and ariadne subgraphs.

The router sends each subgraph the same few query texts over and over (one per fetch of a plan);
parsing and validating one again costs more than answering many of them (a third of the
catalog's CPU per request before this cache). Only documents that parsed are kept, and only a
validation that found no error is remembered, per schema and rule set; an invalid document is
validated again each time, so its errors are always its own. Bounded: least recently used out."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 512
MAX_TEXT = 50_000  # characters: longer texts are parsed every time, never kept

ValidFor = tuple[int, tuple[type[ASTValidationRule], ...]]  # id(schema), the rules it passed


@dataclass
class _Entry:
    document: DocumentNode
    valid_for: set[ValidFor] = field(default_factory=set)


class DocumentCache:
    """Query text → parsed document, and the (schema, rules) pairs it validated against cleanly."""

    def __init__(self, size: int = MAX_DOCUMENTS) -> None:
        self.size = size
        self._by_text: OrderedDict[str, _Entry] = OrderedDict()
        self._by_document: dict[int, _Entry] = {}  # id(document) of documents held in _by_text

    def get(self, text: str) -> DocumentNode | None:
        entry = self._by_text.get(text)
        if entry is None:
            return None
        self._by_text.move_to_end(text)
        return entry.document

    def put(self, text: str, document: DocumentNode) -> None:
        if len(text) > MAX_TEXT or text in self._by_text:
            return
        entry = self._by_text[text] = _Entry(document)
        self._by_document[id(document)] = entry
        while len(self._by_text) > self.size:
            _, dropped = self._by_text.popitem(last=False)
            self._by_document.pop(id(dropped.document), None)

    def parse(self, text: str) -> DocumentNode:
        """The cached document, or the text parsed (raising GraphQLError) and kept."""
        document = self.get(text)
        if document is None:
            document = parse(text)
            self.put(text, document)
        return document

    def is_valid(self, document: DocumentNode, schema: GraphQLSchema, rules: Collection[Any]) -> bool:
        entry = self._by_document.get(id(document))
        return entry is not None and entry.document is document and (id(schema), tuple(rules)) in entry.valid_for

    def mark_valid(self, document: DocumentNode, schema: GraphQLSchema, rules: Collection[Any]) -> None:
        entry = self._by_document.get(id(document))
        if entry is not None and entry.document is document:
            entry.valid_for.add((id(schema), tuple(rules)))

    def validate(self, schema: GraphQLSchema, document_ast: DocumentNode,
                 rules: Collection[type[ASTValidationRule]] | None = None, max_errors: int | None = None,
                 type_info: Any = None) -> list[GraphQLError]:
        """ariadne's `query_validator`: graphql-core's validate, skipped for a document already
        found valid (`type_info` is not graphql-core 3.3's; ariadne passes none)."""
        key_rules = tuple(rules) if rules is not None else ()
        if self.is_valid(document_ast, schema, key_rules):
            return []
        errors = validate(schema, document_ast, rules, max_errors)
        if not errors:
            self.mark_valid(document_ast, schema, key_rules)
        return errors


DOCUMENTS = DocumentCache()


def parse_query(_context: Any, data: dict[str, Any]) -> DocumentNode:
    """ariadne's `query_parser`: the request's query through the shared cache."""
    return DOCUMENTS.parse(data["query"])


class CachedDocuments(SchemaExtension):
    """strawberry's parse and validation steps through the shared cache (a text parsed once,
    a document validated once per schema and rule set)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = DOCUMENTS.get(context.query)
        yield
        if context.graphql_document is not None and context.query and not context.pre_execution_errors:
            DOCUMENTS.put(context.query, context.graphql_document)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, schema, rules = context.graphql_document, context.schema._schema, context.validation_rules
        if document is not None and context.pre_execution_errors is None \
                and DOCUMENTS.is_valid(document, schema, rules):
            context.pre_execution_errors = []  # strawberry validates only while this is None
        yield
        if document is not None and context.pre_execution_errors == []:
            DOCUMENTS.mark_valid(document, schema, rules)
