"""Cache-Control on a strawberry subgraph's answers, so the router knows what it may keep:
`public, max-age=N` for queries of data that is the same for every caller, `private, max-age=N`
when a selected field answers differently per caller, `no-store` for mutations, errors and
when caching is off (max_age 0)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, FieldNode, GraphQLSchema, TypeInfo, TypeInfoVisitor, Visitor, visit
from strawberry.extensions import SchemaExtension


@dataclass(frozen=True)
class CachePolicy:
    max_age: int
    caller_dependent: frozenset[str]  # schema coordinates, e.g. "Product.costPrice"

    def header(self, schema: GraphQLSchema, document: DocumentNode | None, kind: str | None, failed: bool) -> str:
        """`kind` is the operation's type ("query", "mutation", ...)."""
        if self.max_age <= 0 or failed or document is None or kind != "query":
            return "no-store"
        scope = "private" if selected_coordinates(schema, document) & self.caller_dependent else "public"
        return f"{scope}, max-age={self.max_age}"


class _Coordinates(Visitor):
    def __init__(self, info: TypeInfo) -> None:
        super().__init__()
        self.info = info
        self.found: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.info.get_parent_type()
        if parent is not None:
            self.found.add(f"{parent.name}.{node.name.value}")


_SEEN: OrderedDict[tuple[int, int], tuple[GraphQLSchema, DocumentNode, frozenset[str]]] = OrderedDict()
SEEN_LIMIT = 512


def selected_coordinates(schema: GraphQLSchema, document: DocumentNode) -> frozenset[str]:
    """Every Type.field the document selects, through fragments and `_entities` type conditions.
    Remembered per document (the document cache hands the same one to every request of a text);
    the entry holds the document and schema, so the ids in its key stay theirs."""
    key = (id(schema), id(document))
    found = _SEEN.get(key)
    if found is not None and found[0] is schema and found[1] is document:
        return found[2]
    info = TypeInfo(schema)
    collector = _Coordinates(info)
    visit(document, TypeInfoVisitor(info, collector))
    _SEEN[key] = (schema, document, frozenset(collector.found))
    while len(_SEEN) > SEEN_LIMIT:
        _SEEN.popitem(last=False)
    return _SEEN[key][2]


class CacheControl(SchemaExtension):
    """Sets the header on the view's response; the context carries `cache_policy` and `response`."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        policy = getattr(context, "cache_policy", None)
        response = getattr(context, "response", None)
        if policy is None or response is None:
            return
        result = self.execution_context.result
        failed = bool(self.execution_context.pre_execution_errors or (result is not None and result.errors))
        try:
            kind = self.execution_context.operation_type.value
        except Exception:  # no operation to run: nothing to keep
            kind = None
        response.headers["Cache-Control"] = policy.header(
            self.execution_context.schema._schema, self.execution_context.graphql_document, kind, failed)
