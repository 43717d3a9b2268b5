"""The garbage collector set for a server. What the router builds at startup (schema, planner,
settings) lives as long as the process; a request's response trees are acyclic and go by
reference counting. Under load the collector's default thresholds ran a full collection every
few hundred requests, each walking the whole schema (35 ms, 15% of the router's CPU in the
benchmark); frozen, a full collection walks only what requests left. The youngest generation's
threshold is above what requests in flight hold at once (50 heavy queries): a request's objects
are freed by reference counting, so collections nearly stop (5-7% of the CPU under that load at
5,000, none measured at 50,000) and only cyclic garbage left behind ever triggers one."""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)  # the youngest generation is collected after 50,000 new objects, not 700


def settle() -> None:
    """Collect, then keep every object alive now out of later collections."""
    gc.unfreeze()  # what a retired gateway left (cycles in its schema) becomes collectable again
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
