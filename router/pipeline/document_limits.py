"""Hard ceilings on a document, the same for every caller, checked before the work they bound:
bytes before the lexer, tokens (one lexer pass) before the parser, expanded fields and field
merges (one walk of the AST) before validation. Of the per-tier operation limits, only the
token count is checked here (it is known before parsing); the rest come later, in
router/features/limits.py, on a document that is already known to be cheap."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    Source,
    TokenKind,
)
from graphql.language.lexer import Lexer

from router.pipeline.request import DocumentError

DOCUMENT_LIMIT_CODE = "DOCUMENT_LIMIT_EXCEEDED"


@dataclass(frozen=True)
class DocumentLimits:
    """The ceilings (limits.* in router.yaml) and the document cache's bounds."""

    max_bytes: int = 100_000
    max_tokens: int = 15_000
    max_fields: int = 5_000
    max_field_merges: int = 1_000
    cache_entries: int = 1_000
    cache_bytes: int = 32_000_000


class DocumentLimitError(DocumentError):
    """The document is over a hard ceiling: refused before the expensive step, never cached."""

    def limits(self) -> list[str]:
        """The limits that refused it, as its errors name them."""
        return [str((e.extensions or {}).get("limit")) for e in self.graphql_errors]

    @classmethod
    def ceiling(cls, limit: str, words: str, measured: int, maximum: int, *,
                at_least: bool = False) -> DocumentLimitError:
        """`at_least`: counting stopped at the ceiling, so the real count is unknown."""
        amount = f"more than {maximum}" if at_least else str(measured)
        return cls([GraphQLError(
            f"The document has {amount} {words}; the maximum is {maximum} ({limit}).",
            extensions={"code": DOCUMENT_LIMIT_CODE, "limit": limit, "maximum": maximum,
                        **({} if at_least else {"measured": measured})})])


def count_tokens(source: str, stop_after: int | None = None) -> int:
    """Lexer tokens of the document, punctuation included, comments not (as graphql-js counts);
    with `stop_after`, counting stops at stop_after + 1, so a huge document costs no more than a
    document just over the limit. A lexical error raises GraphQLSyntaxError."""
    lexer = Lexer(Source(source))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
        if stop_after is not None and count > stop_after:
            break
    return count


def check_size(encoded: bytes, limits: DocumentLimits) -> None:
    if len(encoded) > limits.max_bytes:
        raise DocumentLimitError.ceiling("max_document_bytes", "bytes", len(encoded), limits.max_bytes)


@dataclass(frozen=True)
class TierTokens:
    """The caller's tier maximum (operation_limits.max_tokens), checked on the lexer's count so a
    document over it is never parsed; the limits stage checks it again on cached documents."""

    maximum: int
    tier: str


def tier_tokens_error(tier: TierTokens) -> DocumentLimitError:
    """Coded as router/features/limits.py codes its refusals; the lexer stopped just past the
    tier's maximum, so the real count is unknown (and not worth lexing the rest for)."""
    return DocumentLimitError([GraphQLError(
        f"Operation tokens exceed the maximum of {tier.maximum} (max_tokens, tier {tier.tier!r}).",
        extensions={"code": "OPERATION_LIMIT_EXCEEDED", "limit": "max_tokens", "maximum": tier.maximum})])


def check_tokens(query: str, limits: DocumentLimits, tier: TierTokens | None = None) -> int:
    """The token count (the lexer stops just past the ceiling or the caller tier's maximum,
    whichever is lower), or DocumentLimitError when it passes either."""
    stop_after = min(limits.max_tokens, tier.maximum) if tier is not None else limits.max_tokens
    tokens = count_tokens(query, stop_after=stop_after)
    if tokens > limits.max_tokens:
        raise DocumentLimitError.ceiling("max_document_tokens", "tokens", tokens, limits.max_tokens, at_least=True)
    if tier is not None and tokens > tier.maximum:
        raise tier_tokens_error(tier)
    return tokens


class _Budget:
    """What the walk has counted; DocumentLimitError the moment either count passes its ceiling."""

    def __init__(self, limits: DocumentLimits) -> None:
        self.limits, self.fields, self.merges = limits, 0, 0

    def field(self) -> None:
        self.fields += 1
        if self.fields > self.limits.max_fields:
            raise DocumentLimitError.ceiling("max_document_fields", "fields with its fragments expanded",
                                             self.fields, self.limits.max_fields, at_least=True)

    def merge(self, same_name: int) -> None:
        self.merges += same_name * (same_name - 1) // 2
        if self.merges > self.limits.max_field_merges:
            raise DocumentLimitError.ceiling("max_field_merges", "pairs of fields under one response name to merge",
                                             self.merges, self.limits.max_field_merges, at_least=True)


def check_field_merges(document: DocumentNode, limits: DocumentLimits) -> None:
    """Bound the work of validation's Field Selection Merging rule (spec 5.3.2, graphql-core's
    OverlappingFieldsCanBeMerged), which compares every pair of fields that share a response name
    in a selection set, and their sub-selections merged: its cost grows as the square of those
    groups. Fields are counted with fragments expanded where they are spread, which also bounds
    every later walk of the operation (limits, cost, planner)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    budget = _Budget(limits)
    for definition in document.definitions:
        selection_set = getattr(definition, "selection_set", None)
        if isinstance(selection_set, SelectionSetNode):
            _merged([(selection_set, ())], fragments, budget)


Spreads = tuple[str, ...]  # the fragments spread on the way here: a cycle is never followed


def _merged(selection_sets: Iterable[tuple[SelectionSetNode, Spreads]],
            fragments: Mapping[str, FragmentDefinitionNode], budget: _Budget) -> None:
    """Group the fields of these selection sets (one merged set) by response name, count each
    group's pairs, then do the same for each group's merged sub-selections."""
    groups: dict[str, list[tuple[FieldNode, Spreads]]] = {}
    for field, spreads in _fields(selection_sets, fragments):
        budget.field()
        groups.setdefault((field.alias or field.name).value, []).append((field, spreads))
    for fields in groups.values():
        budget.merge(len(fields))
    for fields in groups.values():
        children = [(f.selection_set, spreads) for f, spreads in fields if f.selection_set is not None]
        if children:
            _merged(children, fragments, budget)


def _fields(selection_sets: Iterable[tuple[SelectionSetNode, Spreads]],
            fragments: Mapping[str, FragmentDefinitionNode]) -> Iterator[tuple[FieldNode, Spreads]]:
    """The fields of these selection sets, inline fragments and fragment spreads flattened (a
    spread inside its own fragment, a cycle validation refuses later, is not followed)."""
    for selection_set, spreads in selection_sets:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, spreads
            elif isinstance(selection, InlineFragmentNode):
                yield from _fields([(selection.selection_set, spreads)], fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in spreads:
                    yield from _fields([(fragments[name].selection_set, (*spreads, name))], fragments)
