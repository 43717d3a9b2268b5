"""Router bugs the fuzzing found and that are not fixed yet. A case that hits one is counted, not
failed, so a long run goes on looking for others; test_fuzz pins each as a strict xfail, which
fails once the bug is fixed, so its entry here is removed with it."""

from __future__ import annotations

from tests.router.fuzz.strategies import Case

# name → where it is to be fixed and what happens (none known now)
KNOWN: dict[str, str] = {}


def known_bug(case: Case) -> str | None:
    """The KNOWN bug this request runs into, if any."""
    return None
