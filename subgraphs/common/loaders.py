"""The subgraphs' DataLoader (aiodataloader's, with its batch sizes observed for /metrics) and
helpers that line batch query results up with its keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

import aiodataloader

from subgraphs.common.metrics import BATCH_SIZE

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class DataLoader(aiodataloader.DataLoader):
    """aiodataloader's DataLoader; each batch's size goes to the histogram under the batch
    function's name (`_products_by_id` → products_by_id)."""

    def __init__(self, batch_load_fn: Callable[[list[Any]], Any], **options: Any) -> None:
        name = getattr(batch_load_fn, "__name__", "loader").lstrip("_")

        async def load(keys: list[Any]) -> Any:
            BATCH_SIZE.labels(name).observe(len(keys))
            return await batch_load_fn(keys)

        super().__init__(load, **options)


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
