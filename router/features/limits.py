"""Operation limits: depth, aliases, root fields, tokens and estimated cost, measured after
validation and checked against the caller's tier before anything is planned or fetched."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
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
    Source,
    TokenKind,
)
from graphql.language.lexer import Lexer

from router.config import OperationLimitSettings
from router.features.cost import SlicingArgumentError, estimate_cost
from router.features.metrics import OPERATION_LIMITED
from router.pipeline import PreparedOperation, RouterRequest, Stage
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


@lru_cache(maxsize=1024)
def count_tokens(source: str) -> int:
    """Lexer tokens of the document, punctuation included, comments not (as graphql-js counts)."""
    lexer = Lexer(Source(source))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def _walk(selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode],
          spreads: tuple[str, ...], depth: int) -> tuple[int, int]:
    """(deepest field depth, aliases) below this selection set, fragments followed once per path."""
    deepest, aliases = depth - 1, 0
    for selection in selection_set.selections:
        inner: tuple[int, int] = (depth, 0)
        if isinstance(selection, FieldNode):
            aliases += 1 if selection.alias else 0
            if selection.selection_set is not None:
                inner = _walk(selection.selection_set, fragments, spreads, depth + 1)
                if selection.name.value in INTROSPECTION_ROOTS:  # the router answers these itself;
                    inner = (depth, inner[1])  # GraphiQL's own query is 15 deep, the tokens bound it
        elif isinstance(selection, InlineFragmentNode):
            inner = _walk(selection.selection_set, fragments, spreads, depth)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in spreads or name not in fragments:  # a cycle: validation rejects it, we never loop
                continue
            inner = _walk(fragments[name].selection_set, fragments, (*spreads, name), depth)
        deepest, aliases = max(deepest, inner[0]), aliases + inner[1]
    return deepest, aliases


def _root_fields(selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode],
                 spreads: tuple[str, ...] = ()) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += 1
        elif isinstance(selection, InlineFragmentNode):
            count += _root_fields(selection.selection_set, fragments, spreads)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments \
                and selection.name.value not in spreads:
            name = selection.name.value
            count += _root_fields(fragments[name].selection_set, fragments, (*spreads, name))
    return count


def measure(schema: GraphQLSchema, costs: CostDirectives, source: str, operation: OperationDefinitionNode,
            fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any] | None,
            default_list_size: int = 10) -> Measurements:
    depth, aliases = _walk(operation.selection_set, fragments, (), 1)
    cost = estimate_cost(schema, costs, operation, fragments, variables, default_list_size)
    return Measurements(depth, aliases, _root_fields(operation.selection_set, fragments), count_tokens(source), cost)


_MEASURED: weakref.WeakKeyDictionary[GraphQLSchema, OrderedDict[tuple, Measurements]] = weakref.WeakKeyDictionary()


def _measured(schema: GraphQLSchema, costs: CostDirectives, source: str, operation: OperationDefinitionNode,
              fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any] | None,
              default_list_size: int) -> Measurements:
    """measure(), remembered per schema for the same document, operation and variables: clients
    send the same few operations over and over."""
    key = (source, operation.name.value if operation.name else None, default_list_size,
           orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS, default=repr))
    cache = _MEASURED.setdefault(schema, OrderedDict())
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
    else:
        found = cache[key] = measure(schema, costs, source, operation, fragments, variables, default_list_size)
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
        measured = _measured(schema, costs, source, prepared.operation, fragments, prepared.variables,
                             settings.default_list_size)
    except SlicingArgumentError as slicing:
        OPERATION_LIMITED.labels("slicing_arguments").inc()
        raise OperationLimitError([slicing]) from None
    errors = refusals(measured, settings.for_tier(tier), tier)
    for error in errors:
        OPERATION_LIMITED.labels((error.extensions or {})["limit"]).inc()
    if errors:
        raise OperationLimitError(errors)
    return measured


def limits_stage(settings: OperationLimitSettings, schema: GraphQLSchema, costs: CostDirectives) -> Stage:
    """After the document stage, before anything is planned or fetched."""

    async def limits(request: RouterRequest) -> None:
        check_operation_limits(settings, schema, costs, request.prepared(), request.caller.tier)

    return Stage("limits", limits)
