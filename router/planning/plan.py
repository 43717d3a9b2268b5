"""QueryPlan node types: values that print, compare and cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class RepresentationField:
    """One field of the selection that builds an entity representation from merged data."""

    name: str
    children: tuple[RepresentationField, ...] | None = None
    source: str | None = None  # the response key it was fetched under, when aliased
    value: str | None = None  # a literal instead (an interface object's __typename)

    @property
    def key(self) -> str:
        return self.source or self.name


@dataclass(frozen=True)
class FetchNode:
    service_name: str
    operation: str
    operation_kind: str = "query"
    variable_usages: tuple[str, ...] = ()
    # entity fetches: per __typename, the fields each representation carries (key + requires)
    requires: tuple[tuple[str, tuple[RepresentationField, ...]], ...] | None = None
    id: int = 0
    renames: bool = False  # some response keys carry RENAMED_MARK aliases to strip


@dataclass(frozen=True)
class FlattenNode:
    path: tuple[str, ...]  # response keys; "@" walks every element of a list
    node: FetchNode


@dataclass(frozen=True)
class BatchEntry:
    """One `_entities` field of a batch fetch: the response key it answers under, the variable
    carrying its representations, and every path whose objects those representations come from."""

    alias: str
    variable: str
    paths: tuple[tuple[str, ...], ...]
    requires: tuple[tuple[str, tuple[RepresentationField, ...]], ...]


@dataclass(frozen=True)
class BatchFetchNode:
    """Entity fetches to one subgraph at the same point of the plan, sent as one request."""

    service_name: str
    operation: str
    variable_usages: tuple[str, ...]
    entries: tuple[BatchEntry, ...]
    renames: bool = False


@dataclass(frozen=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class ConditionNode:
    condition: str  # a Boolean variable
    if_clause: PlanNode | None
    else_clause: PlanNode | None


PlanNode = Union[FetchNode, FlattenNode, BatchFetchNode, SequenceNode, ParallelNode, ConditionNode]


@dataclass(frozen=True)
class DeferredNode:
    """A fragment under @defer: its fetches start once the primary ones (or its parent's) are
    done, from their data, and its fields go out in an incremental part of their own.

    `id`: its place in the plan's list; `fragment`: where it starts in the document (shaping
    finds it by that); `path`: where it applies (response keys, "@" per list level); `parent`:
    the deferred fragment it is nested in, whose part goes first; `condition`: `@defer(if: $v)`."""

    id: int
    fragment: int
    label: str | None
    path: tuple[str, ...]
    parent: int | None
    condition: str | None
    node: PlanNode | None


@dataclass(frozen=True)
class QueryPlan:
    node: PlanNode | None
    deferred: tuple[DeferredNode, ...] = ()

    def pretty(self) -> str:
        if not self.deferred:
            body = _print(self.node, 1) if self.node else ""
            return "QueryPlan {\n" + body + "}\n"
        primary = _print(self.node, 3) if self.node else ""
        body = "  Defer {\n    Primary {\n" + primary + "    },\n"
        body += "".join(_print_deferred(d, 2) for d in self.deferred)
        return "QueryPlan {\n" + body + "  },\n}\n"

    def __str__(self) -> str:
        return self.pretty()


def _indent(text: str, level: int) -> str:
    pad = "  " * level
    return "".join(pad + line + "\n" if line else "\n" for line in text.splitlines())


def _print(node: PlanNode, level: int) -> str:
    pad = "  " * level
    if isinstance(node, FetchNode):
        head = f'{pad}Fetch(service: "{node.service_name}") {{\n'
        if node.requires is not None:
            reps = " ".join(f"... on {t} {{ {_rep(fields)} }}" for t, fields in node.requires)
            head += f"{pad}  {{ {reps} }} =>\n"
        return head + _indent(node.operation, level + 1) + f"{pad}}},\n"
    if isinstance(node, BatchFetchNode):
        head = f'{pad}BatchFetch(service: "{node.service_name}") {{\n'
        for entry in node.entries:
            paths = ", ".join(f'"{".".join(p)}"' for p in entry.paths)
            reps = " ".join(f"... on {t} {{ {_rep(fields)} }}" for t, fields in entry.requires)
            head += f"{pad}  {entry.alias} at {paths}: {{ {reps} }}\n"
        return head + f"{pad}  =>\n" + _indent(node.operation, level + 1) + f"{pad}}},\n"
    if isinstance(node, FlattenNode):
        return f'{pad}Flatten(path: "{".".join(node.path)}") {{\n' + _print(node.node, level + 1) + f"{pad}}},\n"
    if isinstance(node, (SequenceNode, ParallelNode)):
        kind = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
        return f"{pad}{kind} {{\n" + "".join(_print(n, level + 1) for n in node.nodes) + f"{pad}}},\n"
    if isinstance(node, ConditionNode):
        if node.if_clause is None and node.else_clause is not None:
            return f"{pad}Skip(if: ${node.condition}) {{\n" + _print(node.else_clause, level + 1) + f"{pad}}},\n"
        out = f"{pad}Include(if: ${node.condition}) {{\n"
        out += _print(node.if_clause, level + 1) if node.if_clause else ""
        if node.else_clause:
            out += f"{pad}}} Else {{\n" + _print(node.else_clause, level + 1)
        return out + f"{pad}}},\n"
    raise TypeError(node)


def _print_deferred(deferred: DeferredNode, level: int) -> str:
    pad = "  " * level
    head = [f"#{deferred.id}", f'path: "{".".join(deferred.path)}"']
    if deferred.label is not None:
        head.append(f'label: "{deferred.label}"')
    if deferred.condition is not None:
        head.append(f"if: ${deferred.condition}")
    if deferred.parent is not None:
        head.append(f"after: #{deferred.parent}")
    body = _print(deferred.node, level + 1) if deferred.node else ""
    return f"{pad}Deferred({', '.join(head)}) {{\n" + body + f"{pad}}},\n"


def _rep(fields: tuple[RepresentationField, ...]) -> str:
    return " ".join(
        f'{f.name}: "{f.value}"' if f.value is not None else f.name if f.children is None
        else f"{f.name} {{ {_rep(f.children)} }}"
        for f in fields
    )
