"""Operation limits: depth, aliases, root fields, tokens and estimated cost, measured after
validation and checked against the caller's tier before anything is planned or fetched."""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from router.config import OperationLimitSettings
from router.features.cost import SlicingArgumentError, estimate_cost
from router.features.metrics import OPERATION_LIMITED
from router.pipeline import PreparedOperation, RouterRequest, Stage
from router.pipeline.document_limits import count_tokens
from router.pipeline.request import DocumentError
from router.supergraph.cost import CostDirectives

LIMIT_CODE = "OPERATION_LIMIT_EXCEEDED"
COST_CODE = "COST_ESTIMATED_TOO_EXPENSIVE"
INTROSPECTION_ROOTS = {"__schema", "__type"}


@dataclass(frozen=True)
class Measurements:
    """What the limits are checked against; cost depends on the variables, the rest on the text."""

    depth: int
    aliases: int
    root_fields: int
    tokens: int
    cost: int


class OperationLimitError(DocumentError):
    """The operation is over a limit: a GraphQL request error (400), nothing planned or fetched."""


class _Fragments:
    """Each fragment's (relative depth, aliases) and root fields, computed once per document
    however often it is spread: a fragment spread twice in a fragment spread twice... is 2^n
    fields, never 2^n steps. A spread inside its own fragment (validation refuses it) counts nothing."""

    def __init__(self, definitions: Mapping[str, FragmentDefinitionNode]) -> None:
        self.definitions = definitions
        self._walked: dict[str, tuple[int, int]] = {}
        self._roots: dict[str, int] = {}
        self._open: set[str] = set()

    def walked(self, name: str) -> tuple[int, int] | None:
        """(deepest field depth with the fragment's fields at depth 1, aliases)."""
        if name not in self._walked:
            if name in self._open or name not in self.definitions:
                return None
            self._open.add(name)
            self._walked[name] = _walk(self.definitions[name].selection_set, self, 1)
            self._open.discard(name)
        return self._walked[name]

    def root_fields(self, name: str) -> int:
        if name not in self._roots:
            if name in self._open or name not in self.definitions:
                return 0
            self._open.add(name)
            self._roots[name] = _root_fields(self.definitions[name].selection_set, self)
            self._open.discard(name)
        return self._roots[name]


def _walk(selection_set: SelectionSetNode, fragments: _Fragments, depth: int) -> tuple[int, int]:
    """(deepest field depth, aliases) below this selection set, fragments included."""
    deepest, aliases = depth - 1, 0
    for selection in selection_set.selections:
        inner: tuple[int, int] = (depth, 0)
        if isinstance(selection, FieldNode):
            aliases += 1 if selection.alias else 0
            if selection.selection_set is not None:
                inner = _walk(selection.selection_set, fragments, depth + 1)
                if selection.name.value in INTROSPECTION_ROOTS:  # the router answers these itself;
                    inner = (depth, inner[1])  # GraphiQL's own query is 15 deep, the tokens bound it
        elif isinstance(selection, InlineFragmentNode):
            inner = _walk(selection.selection_set, fragments, depth)
        elif isinstance(selection, FragmentSpreadNode):
            walked = fragments.walked(selection.name.value)
            if walked is None:
                continue
            inner = (walked[0] + depth - 1, walked[1])
        deepest, aliases = max(deepest, inner[0]), aliases + inner[1]
    return deepest, aliases


def _root_fields(selection_set: SelectionSetNode, fragments: _Fragments) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += 1
        elif isinstance(selection, InlineFragmentNode):
            count += _root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            count += fragments.root_fields(selection.name.value)
    return count


def measure(schema: GraphQLSchema, costs: CostDirectives, source: str, operation: OperationDefinitionNode,
            fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any] | None,
            default_list_size: int = 10, tokens: int | None = None) -> Measurements:
    """`tokens` when the document stage counted them already; otherwise the source is lexed."""
    walks = _Fragments(fragments)
    depth, aliases = _walk(operation.selection_set, walks, 1)
    cost = estimate_cost(schema, costs, operation, fragments, variables, default_list_size)
    tokens = tokens if tokens is not None else count_tokens(source)
    return Measurements(depth, aliases, _root_fields(operation.selection_set, walks), tokens, cost)


_MEASURED: weakref.WeakKeyDictionary[GraphQLSchema, OrderedDict[tuple[str, str | None, int, bytes], Measurements]] = weakref.WeakKeyDictionary()


def _measured(schema: GraphQLSchema, costs: CostDirectives, source: str, document_hash: str,
              operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode],
              variables: Mapping[str, Any] | None, default_list_size: int, tokens: int | None) -> Measurements:
    """measure(), remembered per schema for the same document, operation and variables: clients
    send the same few operations over and over. The key holds digests, never the texts."""
    variables_json = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS, default=repr)
    key = (document_hash, operation.name.value if operation.name else None, default_list_size,
           hashlib.sha256(variables_json).digest())
    cache = _MEASURED.setdefault(schema, OrderedDict())
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
    else:
        found = cache[key] = measure(schema, costs, source, operation, fragments, variables, default_list_size,
                                     tokens)
        if len(cache) > 1024:
            cache.popitem(last=False)
    return found


LIMITS = (("max_depth", "depth", "depth"), ("max_aliases", "aliases", "aliases"),
          ("max_root_fields", "root_fields", "root fields"), ("max_tokens", "tokens", "tokens"))


def refusals(measured: Measurements, maximums: Mapping[str, int], tier: str) -> list[GraphQLError]:
    """One error per limit exceeded, naming the limit, the measured value and the maximum."""
    errors = []
    for limit, attribute, words in LIMITS:
        value, maximum = getattr(measured, attribute), maximums[limit]
        if value > maximum:
            errors.append(GraphQLError(
                f"Operation {words} {value} exceeds the maximum of {maximum} ({limit}, tier {tier!r}).",
                extensions={"code": LIMIT_CODE, "limit": limit, "measured": value, "maximum": maximum}))
    if measured.cost > maximums["max_cost"]:
        errors.append(GraphQLError(
            f"Operation estimated cost {measured.cost} exceeds the maximum of {maximums['max_cost']} "
            f"(max_cost, tier {tier!r}).",
            extensions={"code": COST_CODE, "limit": "max_cost", "measured": measured.cost,
                        "maximum": maximums["max_cost"]}))
    return errors


def check_operation_limits(settings: OperationLimitSettings, schema: GraphQLSchema, costs: CostDirectives,
                           prepared: PreparedOperation, tier: str) -> Measurements:
    """Measure the prepared operation, refuse it (OperationLimitError) when it is over any of its
    tier's maximums, counting each refusal by limit."""
    document = prepared.document
    source = document.loc.source.body if document.loc else ""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        measured = _measured(schema, costs, source, prepared.document_hash, prepared.operation, fragments,
                             prepared.variables, settings.default_list_size, prepared.tokens)
    except SlicingArgumentError as slicing:
        count_refusal("slicing_arguments")
        raise OperationLimitError([slicing]) from None
    errors = refusals(measured, settings.for_tier(tier), tier)
    for error in errors:
        count_refusal((error.extensions or {})["limit"])
    if errors:
        raise OperationLimitError(errors)
    return measured


def limits_stage(settings: OperationLimitSettings, schema: GraphQLSchema, costs: CostDirectives) -> Stage:
    """After the document stage, before anything is planned or fetched."""

    async def limits(request: RouterRequest) -> None:
        check_operation_limits(settings, schema, costs, request.prepared(), request.caller.tier)

    return Stage("limits", limits)


def count_refusal(limit: str) -> None:
    """One refusal by `limit` in graft_operation_limited_requests: the document stage's ceilings
    and tier token check report here too."""
    OPERATION_LIMITED.labels(limit).inc()
