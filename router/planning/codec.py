"""QueryPlan ⇄ plain JSON-able dicts, so plans can be shared through Redis without pickle.

Every node carries a "kind"; decoding checks every field's type, so a foreign or corrupt entry
is a PlanDecodeError (treated as a cache miss), never a half-built plan."""

from __future__ import annotations

from typing import Any

from router.planning.plan import (
    ConditionNode,
    DeferredNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    RepresentationField,
    SequenceNode,
)

FORMAT = 2  # bump when the node types change: part of the shared cache key


class PlanDecodeError(ValueError):
    """A stored plan is not one this router can run."""


def plan_to_dict(plan: QueryPlan) -> dict[str, Any]:
    return {"format": FORMAT, "node": _node_to_dict(plan.node) if plan.node else None,
            "deferred": [_deferred_to_dict(d) for d in plan.deferred]}


def plan_from_dict(data: Any) -> QueryPlan:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanDecodeError(f"not a format-{FORMAT} plan")
    node = data.get("node")
    deferred = tuple(_deferred_from_dict(d) for d in _typed(data, "deferred", list))
    return QueryPlan(None if node is None else _node_from_dict(node), deferred)


def _deferred_to_dict(deferred: DeferredNode) -> dict[str, Any]:
    return {"id": deferred.id, "fragment": deferred.fragment, "label": deferred.label, "path": list(deferred.path),
            "parent": deferred.parent, "condition": deferred.condition,
            "node": _node_to_dict(deferred.node) if deferred.node else None}


def _deferred_from_dict(data: Any) -> DeferredNode:
    if not isinstance(data, dict):
        raise PlanDecodeError("a deferred fragment must be an object")
    parent = data.get("parent")
    if parent is not None and (not isinstance(parent, int) or isinstance(parent, bool)):
        raise PlanDecodeError("'parent' must be an int")
    node = data.get("node")
    return DeferredNode(_typed(data, "id", int), _typed(data, "fragment", int), _optional(data, "label"),
                        tuple(_strings(_typed(data, "path", list))), parent, _optional(data, "condition"),
                        None if node is None else _node_from_dict(node))


def _node_to_dict(node: PlanNode) -> dict[str, Any]:
    if isinstance(node, FetchNode):
        requires = None if node.requires is None else [
            [typename, [_field_to_dict(f) for f in fields]] for typename, fields in node.requires]
        return {"kind": "Fetch", "service": node.service_name, "operation": node.operation,
                "operationKind": node.operation_kind, "variableUsages": list(node.variable_usages),
                "requires": requires, "id": node.id, "renames": node.renames}
    if isinstance(node, FlattenNode):
        return {"kind": "Flatten", "path": list(node.path), "node": _node_to_dict(node.node)}
    if isinstance(node, (SequenceNode, ParallelNode)):
        kind = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
        return {"kind": kind, "nodes": [_node_to_dict(n) for n in node.nodes]}
    if isinstance(node, ConditionNode):
        return {"kind": "Condition", "condition": node.condition,
                "if": _node_to_dict(node.if_clause) if node.if_clause else None,
                "else": _node_to_dict(node.else_clause) if node.else_clause else None}
    raise TypeError(f"not a plan node: {node!r}")


def _field_to_dict(field: RepresentationField) -> dict[str, Any]:
    out: dict[str, Any] = {"name": field.name}
    if field.children is not None:
        out["children"] = [_field_to_dict(f) for f in field.children]
    if field.source is not None:
        out["source"] = field.source
    if field.value is not None:
        out["value"] = field.value
    return out


def _node_from_dict(data: Any) -> PlanNode:
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "Fetch":
        requires = data.get("requires")
        return FetchNode(
            service_name=_typed(data, "service", str), operation=_typed(data, "operation", str),
            operation_kind=_typed(data, "operationKind", str),
            variable_usages=tuple(_strings(_typed(data, "variableUsages", list))),
            requires=None if requires is None else tuple(_requires(requires)),
            id=_typed(data, "id", int), renames=_typed(data, "renames", bool))
    if kind == "Flatten":
        fetch = _node_from_dict(data.get("node"))
        if not isinstance(fetch, FetchNode):
            raise PlanDecodeError("Flatten must hold a Fetch")
        return FlattenNode(tuple(_strings(_typed(data, "path", list))), fetch)
    if kind in ("Sequence", "Parallel"):
        nodes = tuple(_node_from_dict(n) for n in _typed(data, "nodes", list))
        return SequenceNode(nodes) if kind == "Sequence" else ParallelNode(nodes)
    if kind == "Condition":
        clauses = [None if data.get(k) is None else _node_from_dict(data[k]) for k in ("if", "else")]
        return ConditionNode(_typed(data, "condition", str), clauses[0], clauses[1])
    raise PlanDecodeError(f"unknown plan node kind {kind!r}")


def _requires(data: list) -> list[tuple[str, tuple[RepresentationField, ...]]]:
    out = []
    for entry in data:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], list)):
            raise PlanDecodeError("requires entries are [typename, fields]")
        out.append((entry[0], tuple(_field_from_dict(f) for f in entry[1])))
    return out


def _field_from_dict(data: Any) -> RepresentationField:
    if not isinstance(data, dict):
        raise PlanDecodeError("a representation field must be an object")
    children = data.get("children")
    return RepresentationField(
        name=_typed(data, "name", str),
        children=None if children is None else tuple(_field_from_dict(f) for f in _typed(data, "children", list)),
        source=_optional(data, "source"), value=_optional(data, "value"))


def _typed(data: dict, key: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PlanDecodeError(f"{key!r} must be {kind.__name__}, not {type(value).__name__}")
    return value


def _optional(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise PlanDecodeError(f"{key!r} must be a string")
    return value


def _strings(values: list) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise PlanDecodeError("expected a list of strings")
    return values
