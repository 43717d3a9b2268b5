"""SATISFIABILITY_ERROR: a field that no query path from the root can reach.

A state is (object type, subgraphs that may hold the current object). From each subgraph the
object can move to others through entity jumps: a resolvable @key on the type (or, through
@interfaceObject, on one of its interfaces) whose fields are already available. A field is
satisfiable on a path when some subgraph reachable that way resolves it (its @requires met)."""

from __future__ import annotations

from collections import deque

from router.composition.errors import CompositionError
from router.composition.field_set import parse_field_set
from router.composition.subgraph import Subgraph, TypeDef, type_name
from router.composition.supergraph import MergedType, Supergraph

ROOTS = ("Query", "Mutation", "Subscription")


def check_satisfiability(subgraphs: list[Subgraph], supergraph: Supergraph) -> list[CompositionError]:
    return Walker(subgraphs, supergraph).run()


def _top(fields: str) -> set[str]:
    return {sel.name.value for sel in parse_field_set(fields) or () if hasattr(sel, "name")}


class Walker:
    def __init__(self, subgraphs: list[Subgraph], supergraph: Supergraph) -> None:
        self.subgraphs = {s.name: s for s in subgraphs}
        self.types = supergraph.types
        self.errors: list[CompositionError] = []
        self.reported: set[tuple[str, str]] = set()
        self.closures: dict[tuple[str, str], tuple[set[str], set[str]]] = {}

    def run(self) -> list[CompositionError]:
        queue: deque[tuple[str, frozenset[str], str]] = deque()  # (type, holders, path)
        seen: set[tuple[str, frozenset[str]]] = set()
        for root in ROOTS:
            holders = frozenset(n for n, s in self.subgraphs.items() if root in s.types and s.types[root].fields)
            if root in self.types and holders:
                queue.append((root, holders, root))
        while queue:
            tname, holders, path = queue.popleft()
            if (tname, holders) in seen:
                continue
            seen.add((tname, holders))
            for state in self.step(self.types[tname], holders, path):
                queue.append(state)
        return self.errors

    def step(self, t: MergedType, holders: frozenset[str], path: str):
        reachable = {g: self.closure(t.name, g) for g in holders}
        for fname, f in t.fields.items():
            resolvers = {h for avail in reachable.values() for h in avail[1] if self.resolves(h, t.name, fname, avail[0])}
            if not resolvers:
                self.fail(t.name, fname, holders, path)
                continue
            child = type_name(f.type)
            target = self.types.get(child)
            if target is None or target.kind not in ("object", "interface", "union"):
                continue
            for obj in self.runtime_types(target):
                next_holders = frozenset(h for h in resolvers if self.can_return(h, child, obj))
                if next_holders:
                    yield obj, next_holders, f"{path}.{fname}"

    def fail(self, tname: str, fname: str, holders: frozenset[str], path: str) -> None:
        if (tname, fname) in self.reported:
            return
        self.reported.add((tname, fname))
        names = ", ".join(f'"{h}"' for h in sorted(holders))
        self.errors.append(CompositionError("SATISFIABILITY_ERROR",
            f"cannot satisfy {tname}.{fname} on path {path}.{fname}: the {tname} there comes from {names}, and no "
            f"subgraph that resolves {fname} has a @key on {tname} whose fields those subgraphs can supply"))

    def runtime_types(self, target: MergedType) -> list[str]:
        if target.kind == "object":
            return [target.name]
        if target.kind == "union":
            return list(target.members)
        return [n for n, t in self.types.items() if t.kind == "object" and target.name in t.interfaces]

    def can_return(self, graph: str, declared: str, obj: str) -> bool:
        s = self.subgraphs[graph]
        d = s.types.get(declared)
        if d is not None and d.interface_object:
            return True
        o = s.types.get(obj)
        return o is not None and (declared == obj or declared in o.interfaces or obj in getattr(d, "members", ()))

    def definitions(self, graph: str, tname: str) -> list[TypeDef]:
        """The type itself, and interfaces it implements that this subgraph holds as @interfaceObject."""
        s = self.subgraphs[graph]
        out = [s.types[tname]] if tname in s.types else []
        interfaces = self.types[tname].interfaces if tname in self.types else []
        return out + [s.types[i] for i in interfaces if i in s.types and s.types[i].interface_object]

    def available(self, graph: str, tname: str) -> set[str]:
        """Fields the subgraph resolves, plus its key fields: it can always send an entity's key."""
        definitions = self.definitions(graph, tname)
        keys = {name for d in definitions for k, _ in d.keys for name in _top(k)}
        return keys | {f.name for d in definitions for f in d.fields.values() if not f.external}

    def closure(self, tname: str, start: str) -> tuple[set[str], set[str]]:
        """(fields available, subgraphs enterable) for an object of `tname` held by `start`."""
        if (tname, start) not in self.closures:
            self.closures[(tname, start)] = self._closure(tname, start)
        return self.closures[(tname, start)]

    def _closure(self, tname: str, start: str) -> tuple[set[str], set[str]]:
        avail, entered = self.available(start, tname), {start}
        changed = True
        while changed:
            changed = False
            for name in self.subgraphs:
                if name in entered:
                    continue
                keys = [_top(k) for d in self.definitions(name, tname) for k, r in d.keys if r is not False]
                if any(k <= avail for k in keys):
                    entered.add(name)
                    avail |= self.available(name, tname)
                    changed = True
        return avail, entered

    def resolves(self, graph: str, tname: str, fname: str, avail: set[str]) -> bool:
        for d in self.definitions(graph, tname):
            f = d.fields.get(fname)
            if f is not None and not f.external and (not f.requires or _top(f.requires) <= avail | set(d.fields)):
                return True
        return False
