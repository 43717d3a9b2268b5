"""Runs a plan: fetches in order, entity representations de-duplicated, results merged by
position, subgraph errors re-pathed to the client's paths."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from operator import itemgetter
from dataclasses import dataclass, field
from typing import Any

import orjson

from router.execution.client import EntityFields, SubgraphError, SubgraphRequest, Subgraphs
from router.execution.errors import Path, SubgraphErrorPolicy, fetch_error, subgraph_error
from router.execution.owned import OwnedDict, OwnedList, own
from router.planning.selections import RENAMED_MARK
from router.planning.plan import (
    BatchFetchNode,
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    RepresentationField,
    SequenceNode,
)


@dataclass
class ExecutionState:
    """One plan's run: what it sends with every fetch, and the data and errors merged so far.
    `error_policy` decides what clients see of subgraph errors; `request_id` ties what it
    withholds to the router's log."""

    subgraphs: Subgraphs
    variables: dict[str, Any]  # as the client sent them: forwarded to the subgraphs
    headers: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # coerced values (defaults applied) for Condition nodes
    conditions: dict[str, Any] = field(default_factory=dict)
    error_policy: SubgraphErrorPolicy = field(default_factory=SubgraphErrorPolicy)
    request_id: str = ""
    fetches: int = 0  # requests sent to subgraphs (a cache layer may answer some): the request log's count
    deadline: float | None = None  # time.monotonic() by which the client's request must be answered
    # Copy-on-write: the answers may be shared with other callers (SubgraphRequest.shared_answer),
    # so only `data` itself and the state's own containers (router/execution/owned.py) are written
    # into; any other is copied first. False: every answer is this state's own, written in place
    # (incremental delivery keeps the objects its deferred parts were shaped from).
    copy_on_write: bool = False


async def execute_node(node: PlanNode | None, state: ExecutionState) -> None:
    if node is None:
        return
    if isinstance(node, SequenceNode):
        for child in node.nodes:
            await execute_node(child, state)
    elif isinstance(node, ParallelNode):
        await asyncio.gather(*[execute_node(child, state) for child in node.nodes])
    elif isinstance(node, FlattenNode):
        await _entity_fetch(node, state)
    elif isinstance(node, BatchFetchNode):
        await _batch_fetch(node, state)
    elif isinstance(node, FetchNode):
        await _root_fetch(node, state)
    elif isinstance(node, ConditionNode):
        branch = node.if_clause if state.conditions.get(node.condition) else node.else_clause
        await execute_node(branch, state)


def _variables(fetch: FetchNode | BatchFetchNode, state: ExecutionState) -> dict[str, Any]:
    return {name: state.variables[name] for name in fetch.variable_usages if name in state.variables}


async def _root_fetch(fetch: FetchNode, state: ExecutionState) -> None:
    request = SubgraphRequest(fetch.service_name, fetch.operation, _variables(fetch, state), state.headers,
                              dedupe=fetch.operation_kind == "query", deadline=state.deadline,
                              retryable=fetch.operation_kind == "query", shared_answer=state.copy_on_write)
    try:
        state.fetches += 1
        result = (await state.subgraphs.send(request)).result
    except SubgraphError as exc:
        state.errors.append(_fetch_error(exc, fetch, state))
        return
    if isinstance(result.get("data"), dict):
        merge(state.data, unrename(result["data"]) if fetch.renames else result["data"], state.copy_on_write)
    for error in result.get("errors") or ():
        state.errors.append(_subgraph_error(error, fetch, error.get("path"), state))


async def _entity_fetch(node: FlattenNode, state: ExecutionState) -> None:
    fetch = node.node
    representations, targets = _collect(state.data, (node.path,), fetch.requires or (), state.copy_on_write)
    if not representations:
        return
    variables = {**_variables(fetch, state), "representations": representations}
    result = await _send(fetch, variables, state)
    if result is not None:
        _merge_entities(result, "_entities", targets, fetch, state.copy_on_write)
        _entity_errors(result, {"_entities": targets}, fetch, state)


async def _batch_fetch(node: BatchFetchNode, state: ExecutionState) -> None:
    """One request for several entity fetches: each entry's representations in its own variable."""
    variables = _variables(node, state)
    collected = []
    for entry in node.entries:
        variables[entry.variable], targets = _collect(state.data, entry.paths, entry.requires, state.copy_on_write)
        collected.append((entry.alias, targets))
    if not any(targets for _, targets in collected):
        return
    result = await _send(node, variables, state)
    if result is not None:
        for alias, targets in collected:
            _merge_entities(result, alias, targets, node, state.copy_on_write)
        _entity_errors(result, dict(collected), node, state)


@dataclass
class Targets:
    """Per representation sent, the objects its entity is merged into; their client paths are
    only worked out when a subgraph error needs one."""

    data: dict
    paths: tuple[tuple[str, ...], ...]
    objects: list[list[dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.objects)

    def path_of(self, index: int) -> Path | None:
        if index >= len(self.objects):
            return None
        wanted = self.objects[index][0]
        for path in self.paths:
            for obj, at in objects_at(self.data, path):
                if obj is wanted:
                    return at
        return None


def _collect(data: dict, paths: tuple[tuple[str, ...], ...], requires: tuple,
             copy_on_write: bool = False) -> tuple[list[dict], Targets]:
    """Representations of the objects at `paths`, each sent once; per representation its objects
    (the state's own, copied from a shared answer first: the entities merge into them).
    Most objects repeat one already met (the same author under many reviews), so the usual key
    (plain fields) is read as one tuple and a representation is built only for a new one."""
    by_type = {typename: (fields, _getter(fields), [f.name for f in fields]) for typename, fields in requires}
    targets = Targets(data, paths)
    representations: list[dict] = []
    seen: dict[Any, int] = {}
    for path in paths:
        for obj in (_owned_objects(data, path) if copy_on_write else _objects(data, path)):
            found = by_type.get(obj.get("__typename"))
            if found is None:
                continue
            fields, getter, names = found
            rep: dict | None = None
            if getter is None:
                rep = representation(obj, fields)
                if rep is None:
                    continue
                key: Any = tuple(rep.items())
            else:
                try:
                    key = getter(obj)
                except KeyError:
                    continue
            try:
                index = seen.get(key)
            except TypeError:  # a list or an object among the values (a nested key)
                if rep is None:
                    rep = dict(zip(names, key))
                key = orjson.dumps(rep)
                index = seen.get(key)
            if index is None:
                index = seen[key] = len(representations)
                representations.append(rep if rep is not None else dict(zip(names, key)))
                targets.objects.append([obj])
            else:
                targets.objects[index].append(obj)
    return representations, targets


async def _send(fetch: FetchNode | BatchFetchNode, variables: dict[str, Any], state: ExecutionState) -> dict | None:
    request = SubgraphRequest(fetch.service_name, fetch.operation, variables, state.headers, dedupe=True,
                              entity_fields=_entity_fields(fetch), deadline=state.deadline, retryable=True,
                              shared_answer=state.copy_on_write)
    try:
        state.fetches += 1
        return (await state.subgraphs.send(request)).result
    except SubgraphError as exc:
        state.errors.append(_fetch_error(exc, fetch, state))  # about the whole fetch, not one of its objects
        return None


def _entity_fields(fetch: FetchNode | BatchFetchNode) -> EntityFields:
    """(response key, representations variable) of each `_entities` field the request holds."""
    if isinstance(fetch, BatchFetchNode):
        return tuple((entry.alias, entry.variable) for entry in fetch.entries)
    return (("_entities", "representations"),)


def _merge_entities(result: dict, alias: str, targets: Targets, fetch: FetchNode | BatchFetchNode,
                    copy_on_write: bool) -> None:
    entities = (result.get("data") or {}).get(alias)
    if fetch.renames:
        entities = unrename(entities)
    if isinstance(entities, list):
        for entity, objects in zip(entities, targets.objects):
            if isinstance(entity, dict):
                for obj in objects:
                    merge(obj, entity, copy_on_write)


def _entity_errors(result: dict, targets: dict[str, Targets], fetch: FetchNode | BatchFetchNode,
                   state: ExecutionState) -> None:
    """Subgraph errors at `<alias>.<index>...` re-pathed to the client's path of that entity."""
    for error in result.get("errors") or ():
        state.errors.append(_subgraph_error(error, fetch, _entity_path(error.get("path"), targets), state))


def _entity_path(path: list | None, targets: dict[str, Targets]) -> Path | None:
    if not path or len(path) < 2 or not isinstance(path[1], int):
        return None
    found = targets.get(path[0])
    at = found.path_of(path[1]) if found is not None else None
    return None if at is None else [*at, *path[2:]]


def representation(obj: dict, fields: tuple[RepresentationField, ...]) -> dict | None:
    """The representation an entity fetch sends, or None when the data lacks a key field."""
    rep: dict[str, Any] = {}
    for f in fields:
        if f.value is not None:
            rep[f.name] = f.value
            continue
        if f.key not in obj:
            return None
        value = obj[f.key]
        if f.children is not None and value is not None:
            value = _nested(value, f.children)
            if value is None:
                return None
        rep[f.name] = value
    return rep


def _getter(fields: tuple[RepresentationField, ...]) -> Callable[[dict], tuple] | None:
    """When every field is a plain copy of a response key (most keys): a function reading their
    values as one tuple, in order (KeyError when one is missing). None otherwise."""
    if any(f.value is not None or f.children is not None for f in fields):
        return None
    keys = [f.key for f in fields]
    if len(keys) == 1:
        key = keys[0]
        return lambda obj: (obj[key],)
    return itemgetter(*keys)


def _nested(value: Any, fields: tuple[RepresentationField, ...]) -> Any:
    if isinstance(value, list):
        return [None if v is None else _nested(v, fields) for v in value]
    if not isinstance(value, dict):
        return None
    present = tuple(f for f in fields if f.key in value)  # abstract children: only this type's fields
    return representation(value, present)


def _objects(data: Any, path: tuple[str, ...]) -> list[dict]:
    """The objects at a response path ("@" walks every element of a list)."""
    current = [data]
    for segment in path:
        if segment == "@":
            current = [item for value in current if isinstance(value, list) for item in value]
        else:
            current = [found for value in current if isinstance(value, dict)
                       and (found := value.get(segment)) is not None]
    return [value for value in current if isinstance(value, dict)]


def _owned_objects(data: dict, path: tuple[str, ...]) -> list[dict]:
    """Like _objects, each container on the way made the state's own (copied, and the copy put in
    its parent's place) unless it is already."""
    current: list[Any] = [data]
    for segment in path:
        step: list[Any] = []
        for value in current:
            if segment == "@":
                if isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, (dict, list)):
                            item = value[i] = _writable(item)
                        step.append(item)
            elif isinstance(value, dict):
                found = value.get(segment)
                if isinstance(found, (dict, list)):
                    found = value[segment] = _writable(found)
                if found is not None:
                    step.append(found)
        current = step
    return [value for value in current if isinstance(value, dict)]


def _writable(container: dict | list) -> dict | list:
    """The container itself when the state owns it, else its copy."""
    if type(container) is OwnedDict or type(container) is OwnedList:
        return container
    return own(container)


def objects_at(data: Any, path: tuple[str, ...]) -> list[tuple[dict, Path]]:
    """Like _objects, with each object's client path (for errors)."""
    current: list[tuple[Any, Path]] = [(data, [])]
    for segment in path:
        step: list[tuple[Any, Path]] = []
        for value, at in current:
            if segment == "@":
                if isinstance(value, list):
                    step += [(item, [*at, i]) for i, item in enumerate(value)]
            elif isinstance(value, dict) and value.get(segment) is not None:
                step.append((value[segment], [*at, segment]))
        current = step
    return [(value, at) for value, at in current if isinstance(value, dict)]


def unrename(value: Any) -> Any:
    """Response keys the planner aliased to keep a subgraph query valid, back under their own."""
    if isinstance(value, list):
        return [unrename(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if RENAMED_MARK in key:
            key = key[: key.index(RENAMED_MARK)]
        out[key] = unrename(item)
    return out


def merge(target: dict, source: dict, copy_on_write: bool = False) -> None:
    """`source` into `target` in place: objects merged key by key, lists of equal length item by
    item, a null never replacing a value. Copy-on-write: `target` is owned, and a container of it
    that is not is copied before anything is merged into it; `source` is only read."""
    for key, value in source.items():
        existing = target.get(key)
        if existing is None:  # most keys: new to the target
            if value is not None or key not in target:
                target[key] = value
        elif isinstance(existing, dict):
            if isinstance(value, dict):
                if copy_on_write and type(existing) is not OwnedDict:
                    existing = target[key] = OwnedDict(existing)
                merge(existing, value, copy_on_write)
            elif value is not None:
                target[key] = value
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            if copy_on_write and type(existing) is not OwnedList:
                existing = target[key] = OwnedList(existing)
            for i, (old, new) in enumerate(zip(existing, value)):
                if isinstance(old, dict) and isinstance(new, dict):
                    if copy_on_write and type(old) is not OwnedDict:
                        old = existing[i] = OwnedDict(old)
                    merge(old, new, copy_on_write)
                elif new is not None or old is None:
                    existing[i] = new
        elif value is not None:
            target[key] = value


def _subgraph_error(error: dict, fetch: FetchNode | BatchFetchNode, path: Path | None,
                    state: ExecutionState) -> dict:
    return subgraph_error(error, fetch.service_name, path, state.error_policy, state.request_id)


def _fetch_error(exc: SubgraphError, fetch: FetchNode | BatchFetchNode, state: ExecutionState) -> dict:
    return fetch_error(exc, fetch.service_name, None, state.error_policy, state.request_id)
