"""What the fuzz test sends: operations hypothesis-graphql builds from the router's API schema
(valid, or with one schema violation), those texts edited the way careless or hostile clients
edit them, and request bodies that are not GraphQL requests at all."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from router.schema_files import SUPERGRAPH
from router.supergraph import load_supergraph

CALLERS = ("anonymous", "shopper", "admin")


@dataclass(frozen=True)
class Case:
    """One request: `kind` says how it was made (for the run's statistics), `body` is the raw POST body."""

    kind: str
    caller: str
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@lru_cache(maxsize=1)
def api_schema() -> graphql.GraphQLSchema:
    """What clients see (no @inaccessible fields, no join__ machinery): the supergraph would make
    hypothesis-graphql write operations the router rightly refuses before they reach anything."""
    return load_supergraph(SUPERGRAPH.read_text()).api_schema


def _ids() -> st.SearchStrategy[graphql.ValueNode]:
    """IDs mostly of seeded rows, so operations reach the subgraphs' data, sometimes anything."""
    seeded = st.integers(1, 60).map(str)
    return st.one_of(seeded, seeded, st.text(max_size=20)).map(lambda v: graphql.StringValueNode(value=v))


def operations(mode: Mode) -> st.SearchStrategy[str]:
    schema, scalars = api_schema(), {"ID": _ids()}
    return st.one_of(queries(schema, custom_scalars=scalars, mode=mode),
                     mutations(schema, custom_scalars=scalars, mode=mode))


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _body(query: Any, variables: Any = None, **more: Any) -> bytes:
    payload = {"query": query, **({"variables": variables} if variables is not None else {}), **more}
    return json.dumps(payload).encode()


def _truncated(draw: st.DrawFn, text: str) -> str:
    return text[:draw(st.integers(0, max(len(text) - 1, 0)))]


def _unknown_field(draw: st.DrawFn, text: str) -> str:
    name = draw(st.sampled_from(["fuzzUnknownField", "costPrice", "_entities", "_service", "__schema"]))
    at = text.find("{")
    return text[:at + 1] + f" {name} " + text[at + 1:] if at >= 0 else f"{{ {name} }}"


def _wrong_type(draw: st.DrawFn, text: str) -> str:
    """One argument value swapped for a literal of another kind."""
    literal = draw(st.sampled_from(['"7"', "7", "7.5", "true", "null", "[1, 2]", "{a: 1}", "FUZZ_ENUM", "$undeclared"]))
    found = list(re.finditer(r"(\w+): (\"[^\"]*\"|-?[\d.e+]+|true|false|null|[A-Z_]+)", text))
    if not found:
        return text
    hit = found[draw(st.integers(0, len(found) - 1))]
    return text[:hit.start(2)] + literal + text[hit.end(2):]


def _huge_string(draw: st.DrawFn, text: str) -> str:
    huge = "x" * draw(st.sampled_from([10_000, 99_000, 150_000, 1_900_000, 2_100_000]))
    replaced = re.sub(r'"[^"]*"', lambda _: f'"{huge}"', text, count=1)
    return replaced if replaced != text else f'{{ product(sku: "{huge}") {{ id }} }}'


def _deep(draw: st.DrawFn, text: str) -> str:
    """Selections or list values nested far past any sane depth (the parser recurses)."""
    depth = draw(st.sampled_from([16, 50, 300, 1_000, 5_000, 20_000]))
    if draw(st.booleans()):
        return "{" + " me {" * depth + " id" + " }" * depth + " }"
    return '{ product(id: ' + "[" * depth + '"1"' + "]" * depth + ") { id } }"


def _many(draw: st.DrawFn, text: str) -> str:
    """Aliases, root fields or tokens in numbers the limits exist for."""
    count = draw(st.sampled_from([21, 31, 500, 5_001, 16_000]))
    item = draw(st.sampled_from(["a{n}: __typename ", 'p{n}: product(id: "1") {{ id }} ', "__typename "]))
    return "{ " + "".join(item.format(n=n) for n in range(count)) + "}"


def _odd_characters(draw: st.DrawFn, text: str) -> str:
    junk = draw(st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), min_size=1, max_size=8)
                | st.sampled_from(["\x00", "\ud800", "\ufeff", "\u202e", "\\u0000", '"""', "#", "\r\n", "…"]))
    at = draw(st.integers(0, len(text)))
    return text[:at] + junk + text[at:]


EDITS = {f.__name__.lstrip("_"): f for f in (_truncated, _unknown_field, _wrong_type, _huge_string, _deep, _many,
                                            _odd_characters)}

# Operations that take variables, for variables of every wrong shape.
WITH_VARIABLES = (
    "query Fuzz($id: ID!, $first: Int, $search: String) { product(id: $id) { name } "
    "products(first: $first, search: $search) { totalCount } }",
    "mutation Fuzz($items: [OrderItemInput!]!) { placeOrder(items: $items) { id total { amount } } }",
    "mutation Fuzz($input: RegisterInput!) { register(input: $input) { __typename } }",
    "mutation Fuzz($input: CreateProductInput!) { createProduct(input: $input) { id name } }",
)


@st.composite
def _odd_variables(draw: st.DrawFn) -> tuple[str, bytes]:
    query = draw(st.sampled_from(WITH_VARIABLES))
    names = st.sampled_from(["id", "first", "search", "items", "input", "undeclared"])
    variables = draw(st.dictionaries(names, _json_values(), max_size=4) | _json_values())
    return "variables", _body(query, variables, operationName=draw(st.sampled_from(["Fuzz", "Other", None])))


@st.composite
def _odd_body(draw: st.DrawFn) -> tuple[str, bytes]:
    """Bodies that are not GraphQL requests: the JSON is wrong, or the fields are not what they should be."""
    how = draw(st.sampled_from(["not json", "query not a string", "not an object", "bad extensions", "empty"]))
    if how == "not json":
        return "body:" + how, draw(st.binary(max_size=64)) + b'{"query": "{'
    if how == "query not a string":
        return "body:" + how, _body(draw(_json_values().filter(lambda v: not isinstance(v, str))))
    if how == "not an object":
        return "body:" + how, json.dumps(draw(st.lists(_json_values(), max_size=3))).encode()
    if how == "bad extensions":
        return "body:" + how, _body("{ __typename }", extensions={"persistedQuery": draw(_json_values())})
    return "body:" + how, b""


@st.composite
def _from_schema(draw: st.DrawFn) -> tuple[str, bytes]:
    """A hypothesis-graphql operation, valid or with one schema violation, maybe then edited."""
    mode = draw(st.sampled_from([Mode.POSITIVE, Mode.NEGATIVE]))
    text = draw(operations(mode))
    kind = "valid" if mode is Mode.POSITIVE else "invalid"
    if draw(st.integers(0, 2)) == 0:
        edit = draw(st.sampled_from(sorted(EDITS)))
        return f"edited:{edit}", _body(EDITS[edit](draw, text))
    return kind, _body(text)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind, body = draw(st.one_of(_from_schema(), _from_schema(), _from_schema(), _odd_variables(), _odd_body()))
    return Case(kind, draw(st.sampled_from(CALLERS)), body)
