"""The collector frozen after start: what was alive then is skipped by later collections, and
what a reload retires (cyclic, like a schema) is freed by the next settle instead of leaking."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from router.server import heap


class Node:
    """Stands for a gateway: objects that reference each other, as a GraphQL schema's types do."""

    def __init__(self) -> None:
        self.peer: Node = self


@pytest.fixture(autouse=True)
def restore_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_lived_at_start_is_skipped_and_a_retired_gateway_is_freed_by_the_next_settle() -> None:
    gateway = Node()
    ref = weakref.ref(gateway)
    heap.settle()  # the router has started
    assert gc.get_freeze_count() > 0 and gc.get_threshold() == heap.THRESHOLDS
    del gateway  # a reload swapped it out
    gc.collect()
    assert ref() is not None, "frozen objects are outside every collection"
    heap.settle()  # once the retired gateway closed
    assert ref() is None
