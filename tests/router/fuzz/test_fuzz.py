"""Property-based fuzzing of a real router: whatever operation, variables or body a caller sends,
the answer is a well-formed GraphQL response or refusal, never a 5xx, leaks nothing of the
machinery, and the router keeps serving. `make test` runs a small reproducible portion;
`make fuzz` runs FUZZ_EXAMPLES (default 3000) with a random seed."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.router.fuzz.checks import problems
from tests.router.fuzz.conftest import FuzzTarget
from tests.router.fuzz.known import KNOWN, known_bug
from tests.router.fuzz.strategies import Case, cases

pytestmark = pytest.mark.fuzz

LONG_RUN = "FUZZ_EXAMPLES" in os.environ
settings.register_profile("graft-ci", max_examples=100, derandomize=True, deadline=None, database=None,
                          phases=[Phase.generate, Phase.shrink], print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("graft-fuzz", parent=settings.get_profile("graft-ci"), derandomize=False,
                          max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 3000))
PROFILE = settings.get_profile("graft-fuzz" if LONG_RUN else "graft-ci")


def send(target: FuzzTarget, case: Case) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "Accept": "application/graphql-response+json, application/json",
               **target.headers[case.caller]}
    request = urllib.request.Request(target.router.graphql_url, case.body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_every_answer_is_graphql_and_leaks_nothing(fuzz_target: FuzzTarget) -> None:
    seen: Counter[str] = Counter()

    @PROFILE
    @given(case=cases())
    def one(case: Case) -> None:
        status, raw = send(fuzz_target, case)
        seen[f"kind {case.kind.split(':')[0]}"] += 1
        seen[f"status {status}"] += 1
        broken = problems(status, raw, case.body)
        if broken and (bug := known_bug(case)):
            seen[f"known bug: {bug}"] += 1
            return
        assert not broken, f"{broken}\n{case.caller} sent {case.body[:2000]!r}\ngot {status} {raw[:2000]!r}"

    one()
    assert_still_serves(fuzz_target)
    print(f"\nfuzz: {sum(v for k, v in seen.items() if k.startswith('kind'))} requests; {dict(sorted(seen.items()))}")


def assert_still_serves(target: FuzzTarget) -> None:
    """After everything the fuzzing sent, an ordinary storefront query still answers correctly."""
    case = Case("check", "shopper", b'{"query": "{ product(id: \\"1\\") { id } me { id } categories { name } }"}')
    status, raw = send(target, case)
    assert status == 200 and not problems(status, raw, case.body), raw
    body = json.loads(raw)
    assert "errors" not in body and body["data"]["product"] == {"id": "1"} and body["data"]["me"] == {"id": "1"}
    assert body["data"]["categories"], body


def test_an_empty_query_is_a_400_not_a_500(fuzz_target: FuzzTarget) -> None:
    """Found by this fuzzing: `{"query": ""}` passed parse_params and failed in the persisted stage."""
    case = Case("known", "anonymous", b'{"query": ""}')
    status, raw = send(fuzz_target, case)
    assert problems(status, raw, case.body) == [] and status == 400, (status, raw)
