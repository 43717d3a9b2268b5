"""Graft against Apollo Gateway: the same operations, the same subgraphs (each gateway its own
copy of the seeded data), compared by `data` and by the set of error paths (a request error, which
has no path, by its code); and the full introspection of both.

A difference is either Graft's bug or Apollo Gateway's: known.py lists both kinds with reasons;
everything else must be equal."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from graphql import get_introspection_query

from tests.router.differential.conftest import Gateway
from tests.router.differential.corpus import CORPUS, Operation
from tests.router.differential.known import APOLLO_WRONG, GRAFT_BUGS, SCHEMA_DIFFERENCES

pytestmark = pytest.mark.node

Answer = tuple[Any, frozenset[tuple[Any, ...]]]


def _post(gateway: Gateway, operation: Operation) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if operation.caller is not None:
        headers["Authorization"] = gateway.tokens[operation.caller]
    body = json.dumps({"query": operation.query, "variables": operation.variables}).encode()
    request = urllib.request.Request(gateway.url, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def _answer(response: dict) -> Answer:
    """`data`, and the set of error paths; an error without a path (the request's own: parse,
    validation, variables) counts by its code."""
    errors = response.get("errors") or ()
    return response.get("data"), frozenset(
        tuple(e["path"]) if e.get("path") else ("request error", (e.get("extensions") or {}).get("code"))
        for e in errors)


def _run_all(gateway: Gateway) -> dict[str, dict]:
    """Every operation in corpus order: the queries, then the mutations in theirs."""
    return {operation.name: _post(gateway, operation) for operation in CORPUS}


@pytest.fixture(scope="module")
def responses(gateways: tuple[Gateway, Gateway]) -> dict[str, tuple[dict, dict]]:
    with ThreadPoolExecutor(2) as pool:
        graft, apollo = pool.map(_run_all, gateways)
    return {name: (graft[name], apollo[name]) for name in graft}


def _params() -> list[Any]:
    marks = {name: pytest.mark.xfail(strict=True, reason=reason) for name, reason in GRAFT_BUGS.items()}
    return [pytest.param(op.name, id=op.name, marks=[marks[op.name]] if op.name in marks else [])
            for op in CORPUS if op.name not in APOLLO_WRONG]


@pytest.mark.parametrize("name", _params())
def test_same_answer(responses: dict[str, tuple[dict, dict]], name: str) -> None:
    graft, apollo = responses[name]
    assert _answer(graft) == _answer(apollo), json.dumps({"graft": graft, "apollo": apollo})


@pytest.mark.parametrize("name", sorted(APOLLO_WRONG))
def test_apollo_gateway_differs_where_it_is_wrong(responses: dict[str, tuple[dict, dict]], name: str) -> None:
    """The difference is still there (else the entry goes)."""
    graft, apollo = responses[name]
    assert _answer(graft) != _answer(apollo)


def _introspect(gateway: Gateway) -> dict:
    query = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True,
                                    input_value_deprecation=True)
    return _post(gateway, Operation("introspection", query))


def _differences(graft: Any, apollo: Any, path: str = "") -> list[str]:
    """Paths where two introspection results differ; lists of named things are matched by name."""
    if isinstance(graft, dict) and isinstance(apollo, dict):
        return [d for k in {**graft, **apollo} for d in _differences(graft.get(k), apollo.get(k), f"{path}.{k}")]
    if _named_list(graft) and _named_list(apollo):
        ours, theirs = {i["name"]: i for i in graft}, {i["name"]: i for i in apollo}
        return [d for k in {**ours, **theirs} for d in _differences(ours.get(k), theirs.get(k), f"{path}[{k}]")]
    return [] if graft == apollo else [path]


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and "name" in i for i in value)


def test_same_api_schema(gateways: tuple[Gateway, Gateway]) -> None:
    """Full introspection: equal but for SCHEMA_DIFFERENCES, each of which is still there."""
    graft, apollo = (_introspect(g) for g in gateways)
    assert "errors" not in graft and "errors" not in apollo
    found = {d.lstrip(".") for d in _differences(graft["data"], apollo["data"])}
    explained = {d for d in found for allowed in SCHEMA_DIFFERENCES if d == allowed or d.startswith(allowed + ".")}
    assert found - explained == set()
    assert {a for a in SCHEMA_DIFFERENCES if not any(d == a or d.startswith(a + ".") for d in found)} == set()
