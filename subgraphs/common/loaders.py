"""Helpers that line batch query results up with DataLoader keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def one_per_key(rows: Iterable[T], keys: Sequence[K], key: Callable[[T], K]) -> list[T | None]:
    """A DataLoader answer: the row for each key in order, None where there is none."""
    found = {key(row): row for row in rows}
    return [found.get(k) for k in keys]


def many_per_key(rows: Iterable[T], keys: Sequence[K], key: Callable[[T], K]) -> list[list[T]]:
    """A DataLoader answer for one-to-many relations: a list (maybe empty) per key."""
    groups: dict[K, list[T]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [groups.get(k, []) for k in keys]
