"""Composition errors: a code from the federation docs plus a message naming subgraph, type and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompositionError:
    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class CompositionFailed(Exception):
    """Raised with every error found, so a user fixes them in one pass."""

    def __init__(self, errors: list[CompositionError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
