"""Router bugs the fuzzing found and that are not fixed yet. A case that hits one is counted, not
failed, so a long run goes on looking for others; test_fuzz pins each as a strict xfail, which
fails once the bug is fixed, so its entry here is removed with it."""

from __future__ import annotations

import json

from tests.router.fuzz.strategies import Case

# name → where it is to be fixed and what happens
KNOWN = {
    "empty query": "router/features/persisted.py PersistedDocuments.resolve (or router/server/http.py parse_params): "
                   '{"query": ""} passes parse_params, then resolve asserts a persisted-query hash -> 500',
}


def known_bug(case: Case) -> str | None:
    """The KNOWN bug this request runs into, if any."""
    try:
        payload = json.loads(case.body)
    except ValueError:
        return None
    if isinstance(payload, dict) and payload.get("query") == "" and "documentId" not in payload:
        extensions = payload.get("extensions")
        if not (isinstance(extensions, dict) and "persistedQuery" in extensions):
            return "empty query"
    return None
