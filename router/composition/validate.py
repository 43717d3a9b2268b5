"""Per-subgraph federation rules (@key, @requires, @provides, @external, sharing), each reported
with the code the federation docs give it and the subgraph, type and field it concerns."""

from __future__ import annotations

from graphql import print_ast
from graphql.language import ast

from router.composition.errors import CompositionError
from router.composition.field_set import parse_field_set
from router.composition.satisfiability import check_satisfiability
from router.composition.subgraph import Subgraph, TypeDef, type_name
from router.composition.supergraph import Supergraph

LEAF_KINDS = ("scalar", "enum")


def validate(subgraphs: list[Subgraph], supergraph: Supergraph) -> list[CompositionError]:
    errors: list[CompositionError] = []
    for s in subgraphs:
        errors += SubgraphRules(s).check()
    if errors:  # like @apollo/composition: broken subgraphs first, then cross-subgraph rules
        return errors
    errors += field_sharing(subgraphs)
    errors += externals_have_base(subgraphs)
    errors += interface_objects(subgraphs)
    errors += extensions_with_base(subgraphs)
    errors += interface_fields_implemented(supergraph)
    if not errors:
        errors += check_satisfiability(subgraphs, supergraph)
    return errors


class SubgraphRules:
    def __init__(self, subgraph: Subgraph) -> None:
        self.s = subgraph
        self.errors: list[CompositionError] = []

    def error(self, code: str, where: str, message: str) -> None:
        self.errors.append(CompositionError(code, f'[{self.s.name}] {where}: {message}'))

    def check(self) -> list[CompositionError]:
        for t in self.s.types.values():
            for fields, _ in t.keys:
                self.key(t, fields)
            for f in t.fields.values():
                where = f"{t.name}.{f.name}"
                if f.requires is not None:
                    self.selection(t, f.requires, where, "REQUIRES", external=True)
                if f.provides is not None:
                    self.provides(t, f, where)
        return self.errors

    def external(self, t: TypeDef, name: str) -> bool:
        """@external, or for an interface field, @external in an implementation."""
        if t.fields[name].external:
            return True
        impls = [o for o in self.s.types.values() if t.name in o.interfaces or t.name in o.members]
        return any(name in o.fields and o.fields[name].external for o in impls)

    def key(self, t: TypeDef, fields: str) -> None:
        where = f'{t.name} @key(fields: "{fields}")'
        selections = parse_field_set(fields)
        if not selections:
            self.error("KEY_INVALID_FIELDS", where, "the field set is not a valid selection")
            return
        self._walk(t, selections, where, "KEY", external=False, key=True)

    def provides(self, t: TypeDef, f, where: str) -> None:
        target = self.s.types.get(type_name(f.type))
        if target is None or target.kind in LEAF_KINDS:
            self.error("PROVIDES_ON_NON_OBJECT_FIELD", where, f"@provides needs a field returning an object type, not {type_name(f.type)}")
            return
        self.selection(target, f.provides, where, "PROVIDES", external=True)

    def selection(self, t: TypeDef, fields: str, where: str, rule: str, external: bool) -> None:
        selections = parse_field_set(fields)
        if selections is None:
            self.error(f"{rule}_INVALID_FIELDS", where, f'"{fields}" is not a valid selection')
            return
        self._walk(t, selections, where, rule, external=external, key=False)

    def _walk(self, t: TypeDef, selections, where: str, rule: str, external: bool, key: bool) -> None:
        """Check a field set; with `external`, each leaf must be @external or below an @external field."""
        for sel in selections:
            if isinstance(sel, ast.InlineFragmentNode):
                condition = sel.type_condition.name.value if sel.type_condition else t.name
                target = self.s.types.get(condition) if sel.type_condition else t
                if target is None:
                    self.error(f"{rule}_INVALID_FIELDS", where, f"unknown type {condition}")
                else:
                    self._walk(target, sel.selection_set.selections, where, rule, external, key)
                continue
            name = sel.name.value
            if name == "__typename":
                continue
            f = t.fields.get(name)
            if f is None:
                self.error(f"{rule}_INVALID_FIELDS", where, f'field "{name}" does not exist on {t.name}')
                continue
            target = self.s.types.get(type_name(f.type))
            if key and (f.args or sel.arguments):
                self.error("KEY_FIELDS_HAS_ARGS", where, f"key field {t.name}.{name} takes arguments")
            if key and target is not None and target.kind in ("interface", "union"):
                self.error("KEY_FIELDS_SELECT_INVALID_TYPE", where, f"key field {t.name}.{name} has type {print_ast(f.type)}; "
                           "keys cannot select interfaces or unions")
            if external and not self.external(t, name) and sel.selection_set is None:
                self.error(f"{rule}_FIELDS_MISSING_EXTERNAL", where, f"field {t.name}.{name} is not marked @external")
            if sel.selection_set and target is not None:
                self._walk(target, sel.selection_set.selections, where, rule, external and not self.external(t, name), key)
            elif sel.selection_set is None and target is not None and target.kind not in LEAF_KINDS:
                self.error(f"{rule}_INVALID_FIELDS", where, f"field {t.name}.{name} of type {print_ast(f.type)} needs a sub-selection")


def field_sharing(subgraphs: list[Subgraph]) -> list[CompositionError]:
    """A field resolved by several subgraphs must be @shareable in all of them (INVALID_FIELD_SHARING)."""
    resolvers: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    overridden = {(t.name, f.name, f.override) for s in subgraphs for t in s.types.values()
                  for f in t.fields.values() if f.override}
    for s in subgraphs:
        key_fields = _key_fields(s)
        for t in s.types.values():
            if t.kind != "object" or t.interface_object:
                continue
            for f in t.fields.values():
                if f.external or (t.name, f.name, s.name) in overridden:
                    continue
                shareable = f.shareable or (t.name, f.name) in key_fields
                resolvers.setdefault((t.name, f.name), []).append((s.name, shareable))
    errors = []
    for (tname, fname), holders in resolvers.items():
        if len(holders) > 1 and not all(shareable for _, shareable in holders):
            plain = [g for g, shareable in holders if not shareable]
            errors.append(CompositionError("INVALID_FIELD_SHARING",
                f'non-shareable field "{tname}.{fname}" is resolved from multiple subgraphs: '
                f'{", ".join(g for g, _ in holders)}; it is not @shareable in {", ".join(plain)}'))
    return errors


def interface_objects(subgraphs: list[Subgraph]) -> list[CompositionError]:
    """An @interfaceObject stands for an interface entity some subgraph defines with @key."""
    errors = []
    for s in subgraphs:
        for t in s.types.values():
            if not t.interface_object:
                continue
            interface = [o.name for o in subgraphs for i in [o.types.get(t.name)] if i and i.kind == "interface"]
            if not interface:
                errors.append(CompositionError("INTERFACE_OBJECT_USAGE_ERROR",
                    f'[{s.name}] type {t.name} is an @interfaceObject but no subgraph defines an interface {t.name}'))
    return errors


def _key_fields(s: Subgraph) -> set[tuple[str, str]]:
    """(type, field) pairs some @key selects, at any depth: those are implicitly shareable."""
    out: set[tuple[str, str]] = set()

    def walk(t: TypeDef | None, selections) -> None:
        for sel in selections or ():
            if t is None or not isinstance(sel, ast.FieldNode) or sel.name.value not in t.fields:
                continue
            out.add((t.name, sel.name.value))
            if sel.selection_set:
                walk(s.types.get(type_name(t.fields[sel.name.value].type)), sel.selection_set.selections)

    for t in s.types.values():
        for fields, _ in t.keys:
            walk(t, parse_field_set(fields))
    return out


def extensions_with_base(subgraphs: list[Subgraph]) -> list[CompositionError]:
    """Federation 1 type extensions need a definition somewhere (EXTENSION_WITH_NO_BASE)."""
    based = {n for s in subgraphs for n, t in s.types.items() if t.defined and not t.extension}
    return [CompositionError("EXTENSION_WITH_NO_BASE",
                             f'[{s.name}] type {n} is an extension, but no subgraph defines {n}')
            for s in subgraphs if not s.fed2 for n, t in s.types.items()
            if (t.extension or not t.defined) and n not in based and n not in ("Query", "Mutation", "Subscription")]


def interface_fields_implemented(supergraph: Supergraph) -> list[CompositionError]:
    """Every merged interface field exists on each merged implementation (INTERFACE_FIELD_NO_IMPLEM)."""
    errors = []
    for iface in supergraph.types.values():
        if iface.kind != "interface":
            continue
        for obj in supergraph.types.values():
            if iface.name not in obj.interfaces:
                continue
            for fname, f in iface.fields.items():
                if fname not in obj.fields:
                    declared = ", ".join(f'"{g}"' for g, t in iface.sources.items() if fname in t.fields)
                    errors.append(CompositionError("INTERFACE_FIELD_NO_IMPLEM",
                        f'interface field {iface.name}.{fname} is declared in subgraph {declared} but type {obj.name}, '
                        f'which implements {iface.name}, has no field {fname} in any subgraph'))
    return errors


def externals_have_base(subgraphs: list[Subgraph]) -> list[CompositionError]:
    """An @external field must be resolved by some subgraph (EXTERNAL_MISSING_ON_BASE)."""
    external: dict[tuple[str, str], list[str]] = {}
    resolved: set[tuple[str, str]] = set()
    for s in subgraphs:
        for t in s.types.values():
            for f in t.fields.values():
                if f.external:
                    external.setdefault((t.name, f.name), []).append(s.name)
                else:
                    resolved.add((t.name, f.name))
    return [CompositionError("EXTERNAL_MISSING_ON_BASE",
                             f'field {t}.{f} is marked @external in {", ".join(graphs)} but no subgraph resolves it')
            for (t, f), graphs in external.items() if (t, f) not in resolved]
