"""The containers a request's data owns when subgraph answers are shared between callers
(copy-on-write merging, router/execution/executor.py): a copy made to be written into is one of
these, so whether a container may be written is its type, with no registry to keep."""

from __future__ import annotations

from typing import Any


class OwnedDict(dict[str, Any]):
    """An object of the request's own data: written in place."""


class OwnedList(list[Any]):
    """A list of the request's own data: its items replaced in place."""


def own(container: dict | list) -> OwnedDict | OwnedList:
    """A shallow copy that may be written into."""
    return OwnedDict(container) if isinstance(container, dict) else OwnedList(container)
