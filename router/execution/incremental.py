"""Incremental delivery (@defer): after the primary part, each deferred fragment's fetches run
from the data already merged, and its part is shaped and handed out as soon as they are done.

Payloads follow the incremental delivery RFC as Apollo Router serves it (deferSpec=20220824):
`{"incremental": [{"data", "path", "label"?, "errors"?}, ...], "hasNext"}`, one entry per object
the fragment applies to (so one per list item), and a last payload with `hasNext: false`."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from router.execution.executor import ExecutionState, execute_node
from router.execution.shaping import PROPAGATE, LinkedPath, Pending, Shaper
from router.planning.plan import DeferredNode, QueryPlan

Payload = dict[str, Any]


def streamed(plan: QueryPlan, conditions: dict[str, Any]) -> tuple[DeferredNode, ...]:
    """The deferred fragments delivered later: those without `if: $v`, or whose v is true."""
    return tuple(d for d in plan.deferred if d.condition is None or conditions.get(d.condition))


def delivered_with(plan: QueryPlan, later: Sequence[DeferredNode]) -> dict[int, int | None]:
    """For each deferred fragment not delivered later, the part it rides in: its nearest enclosing
    fragment that is delivered later, or None for the primary part."""
    by_id = {d.id: d for d in plan.deferred}
    later_ids = {d.id for d in later}
    rides: dict[int, int | None] = {}
    for deferred in plan.deferred:
        if deferred.id in later_ids:
            continue
        parent = deferred.parent
        while parent is not None and parent not in later_ids:
            parent = by_id[parent].parent
        rides[deferred.id] = parent
    return rides


async def run_inline(plan: QueryPlan, later: Sequence[DeferredNode], state: ExecutionState,
                     part: int | None = None) -> None:
    """The fetches of deferred fragments that ride in `part` (None: the primary one), in plan
    order: a parent's before its children's, whose representations come from its data."""
    rides = delivered_with(plan, later)
    for deferred in plan.deferred:
        if deferred.id in rides and rides[deferred.id] == part:
            await execute_node(deferred.node, state)


async def subsequent_payloads(plan: QueryPlan, later: Sequence[DeferredNode], state: ExecutionState,
                              shaper: Shaper) -> AsyncGenerator[Payload, None]:
    """The payloads after the primary one: each deferred fragment's fetches start once its
    parent's part is out (the primary's for the outermost), and its part goes out when they are done.
    `shaper` shaped the primary part: its pending list says where each fragment applies."""
    pending: dict[int, list[Pending]] = {}
    _note(pending, shaper.pending)
    sent = {d.id: asyncio.Event() for d in later}
    tasks = [asyncio.create_task(_fetch(plan, later, d, state, sent)) for d in later]
    left = len(tasks)
    try:
        for next_done in asyncio.as_completed(tasks):
            deferred, part = await next_done
            left -= 1
            entries = _entries(deferred, part, shaper, pending)
            state.fetches += part.fetches
            sent[deferred.id].set()
            if entries:
                yield {"incremental": entries, "hasNext": left > 0}
            elif left == 0:
                yield {"hasNext": False}
    finally:
        for task in tasks:
            task.cancel()


async def _fetch(plan: QueryPlan, later: Sequence[DeferredNode], deferred: DeferredNode, state: ExecutionState,
                 sent: dict[int, asyncio.Event]) -> tuple[DeferredNode, ExecutionState]:
    """The fragment's fetches (and those of fragments inside it not deferred), with errors of
    their own; the data merges into the shared tree. It starts once its parent's part is out."""
    rides = delivered_with(plan, later)
    parent = deferred.parent
    while parent is not None and parent not in sent:
        parent = rides.get(parent)
    if parent is not None:
        await sent[parent].wait()
    part = dataclasses.replace(state, errors=[], fetches=0)
    await execute_node(deferred.node, part)
    await run_inline(plan, later, part, deferred.id)
    return deferred, part


def _entries(deferred: DeferredNode, part: ExecutionState, shaper: Shaper,
             pending: dict[int, list[Pending]]) -> list[Payload]:
    """One entry per object the fragment applies to, shaped with null propagation of its own;
    fetch errors go to the entry their path is in (else the first)."""
    entries: list[Payload] = []
    for at in pending.pop(deferred.fragment, []):
        errors: list[dict[str, Any]] = [e for e in part.errors if _within(e.get("path"), at.path)]
        entry_shaper = dataclasses.replace(shaper, errors=errors)
        fields = entry_shaper.fields(at.type, (at.selection_set,))
        data = entry_shaper.object(at.type, fields, at.raw, _linked(at.path))
        _note(pending, entry_shaper.pending)
        entry: Payload = {"data": None if data is PROPAGATE else data, "path": at.path}
        if deferred.label is not None:
            entry["label"] = deferred.label
        if errors:
            entry["errors"] = errors
        entries.append(entry)
    unplaced = [e for e in part.errors if not any(_within(e.get("path"), x["path"]) for x in entries)]
    if unplaced and entries:
        entries[0].setdefault("errors", []).extend(unplaced)
    return entries


def _note(pending: dict[int, list[Pending]], found: list[Pending]) -> None:
    for at in found:
        pending.setdefault(at.fragment, []).append(at)


def _within(path: Any, prefix: list[str | int]) -> bool:
    return isinstance(path, list) and path[: len(prefix)] == prefix


def _linked(path: list[str | int]) -> LinkedPath:
    linked: LinkedPath = None
    for key in path:
        linked = (linked, key)
    return linked
