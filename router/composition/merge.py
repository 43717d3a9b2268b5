"""Type merging as the federation docs define it: output types and enums by union, inputs and
arguments by intersection, field types widened (outputs) or narrowed (inputs) where compatible."""

from __future__ import annotations

import re

from graphql import print_ast
from graphql.language import ast

from router.composition.errors import CompositionError
from router.composition.subgraph import Applied, Argument, Field, Subgraph, TypeDef, type_name
from router.composition.supergraph import JoinField, MergedField, MergedType, Supergraph


def graph_enum(name: str) -> str:
    value = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
    return f"_{value}" if value[:1].isdigit() else value


def graph_enums(names: list[str]) -> dict[str, str]:
    """join__Graph values, made unique with _1, _2... when two names sanitize alike."""
    out: dict[str, str] = {}
    for name in names:
        value, n = graph_enum(name), 0
        while value in out.values():
            n += 1
            value = f"{graph_enum(name)}_{n}"
        out[name] = value
    return out


def join_version(subgraphs: list[Subgraph]) -> str:
    """The join spec @apollo/composition 2.x picks for the newest federation version in use."""
    newest = max((s.version for s in subgraphs), default=(2, 0))
    return "0.5" if newest >= (2, 8) else "0.4" if newest >= (2, 7) else "0.3"


def merge_directives(lists: list[list[Applied]]) -> list[Applied]:
    seen, out = set(), []
    for applied in lists:
        for a in applied:
            key = (a.name, tuple(sorted((k, print_ast(v)) for k, v in a.args.items())))
            if key not in seen:
                seen.add(key)
                out.append(a)
    return out


def first(values):
    return next((v for v in values if v), None)


def description(values) -> str | None:
    """The description most subgraphs give (the first of those on a tie), as @apollo/composition does."""
    given = [v for v in values if v]
    return max(dict.fromkeys(given), key=given.count) if given else None


class Merger:
    def __init__(self, subgraphs: list[Subgraph]) -> None:
        self.subgraphs = sorted(subgraphs, key=lambda s: graph_enum(s.name))
        self.errors: list[CompositionError] = []
        self.warnings: list[str] = []
        self.enum = graph_enums([s.name for s in self.subgraphs])
        self.subtypes: dict[str, set[str]] = {}
        for s in self.subgraphs:
            for t in s.types.values():
                for i in t.interfaces:
                    self.subtypes.setdefault(i, set()).add(t.name)
                for m in t.members:
                    self.subtypes.setdefault(t.name, set()).add(m)
        self.input_use, self.output_use = self._enum_usage()

    def error(self, code: str, message: str) -> None:
        self.errors.append(CompositionError(code, message))

    def _enum_usage(self) -> tuple[set[str], set[str]]:
        inputs: set[str] = set()
        outputs: set[str] = set()
        for s in self.subgraphs:
            for t in s.types.values():
                for f in t.fields.values():
                    (inputs if t.kind == "input" else outputs).add(type_name(f.type))
                    inputs.update(type_name(a.type) for a in f.args.values())
        return inputs, outputs

    def merge(self) -> Supergraph:
        names: dict[str, dict[str, TypeDef]] = {}
        for s in self.subgraphs:
            for name, t in s.types.items():
                names.setdefault(name, {})[s.name] = t
        merged = {name: self.merge_type(name, sources) for name, sources in sorted(names.items())}
        types = {k: v for k, v in merged.items() if v is not None}
        if not types.get("Query") or not types["Query"].fields:
            self.error("NO_QUERIES", "none of the subgraphs defines a field on Query")
        self.add_interface_object_fields(types)
        composed, links = {}, []
        for s in self.subgraphs:
            composed.update(s.composed)
            links += [link for link in s.composed_links if link not in links]
        graphs = {s.name: (self.enum[s.name], s.url) for s in self.subgraphs}
        return Supergraph(graphs, types, composed, links, join_version(self.subgraphs), self.warnings)

    def merge_type(self, name: str, sources: dict[str, TypeDef]) -> MergedType | None:
        kinds = {t.kind for t in sources.values() if not t.interface_object}
        if any(t.interface_object for t in sources.values()):
            kinds = kinds or {"object"}
            if kinds != {"interface"}:
                self.error("INTERFACE_OBJECT_USAGE_ERROR", f"type {name} is an @interfaceObject in "
                           f"{_list(n for n, t in sources.items() if t.interface_object)} but no subgraph defines an interface {name}")
                return None
        if len(kinds) > 1:
            detail = ", ".join(f"{t.kind} in {n}" for n, t in sources.items())
            self.error("TYPE_KIND_MISMATCH", f"type {name} has different kinds: {detail}")
            return None
        merged = MergedType(kinds.pop(), name, sources)
        merged.description = description(t.description for t in sources.values())
        merged.directives = merge_directives([t.directives for t in sources.values()])
        if merged.kind in ("object", "interface"):
            self.merge_fields(merged)
        elif merged.kind == "input":
            self.merge_input(merged)
        elif merged.kind == "enum":
            self.merge_enum(merged)
        elif merged.kind == "union":
            merged.members = list(dict.fromkeys(m for t in sources.values() for m in t.members))
        for t in sources.values():
            merged.interfaces += [i for i in t.interfaces if i not in merged.interfaces]
        return merged

    # --- fields -------------------------------------------------------------------------
    def merge_fields(self, merged: MergedType) -> None:
        names = dict.fromkeys(f for t in merged.sources.values() for f in t.fields)
        for fname in names:
            holders = {g: t.fields[fname] for g, t in merged.sources.items() if fname in t.fields}
            merged.fields[fname] = self.merge_field(merged, fname, holders)

    def merge_field(self, merged: MergedType, fname: str, holders: dict[str, Field]) -> MergedField:
        where = f"{merged.name}.{fname}"
        overridden = self.overridden(merged, fname, holders)
        live = {g: f for g, f in holders.items() if g not in overridden} or holders
        resolving = {g: f.type for g, f in live.items() if not f.external} or {g: f.type for g, f in live.items()}
        ftype = self.widen(where, resolving) or next(iter(resolving.values()))
        self.check_external_types(where, live, ftype)
        out = MergedField(fname, ftype)
        out.description = description(f.description for f in holders.values())
        out.directives = merge_directives([f.directives for f in holders.values()])
        out.args = self.merge_args(where, live)
        out.graphs = [self.enum[g] for g in holders]
        out.joins = self.field_joins(merged, fname, holders, overridden, print_ast(ftype))
        return out

    def field_joins(self, merged: MergedType, fname: str, holders: dict[str, Field], overridden: dict[str, bool],
                    printed: str) -> list[JoinField] | None:
        """One @join__field per subgraph resolving the field, or None when every subgraph of the type
        resolves it plainly with the same type."""
        same = all(print_ast(f.type) == printed for g, f in holders.items() if g not in overridden)
        labels = {f.override: f.override_label for f in holders.values() if f.override and f.override_label}
        known = {s.name for s in self.subgraphs}
        joins = []
        for g, f in holders.items():
            if g in overridden:
                if overridden[g]:
                    joins.append(JoinField(self.enum[g], used_overridden=True))
                continue
            override = f.override if f.override in known else None
            label = f.override_label if override else labels.get(g)
            joins.append(JoinField(self.enum[g], f.requires, f.provides,
                                   None if same else print_ast(f.type), f.external, override, label))
        missing = any(fname not in t.fields for t in merged.sources.values())
        special = any(j.type or j.external or j.requires or j.provides or j.override or j.override_label for j in joins)
        return joins if missing or overridden or special else None

    def overridden(self, merged: MergedType, fname: str, holders: dict[str, Field]) -> dict[str, bool]:
        """Subgraphs whose field is taken over by @override → whether their own keys still use it."""
        known = {s.name for s in self.subgraphs}
        out: dict[str, bool] = {}
        for g, f in holders.items():
            if not f.override:
                continue
            if f.override not in known:
                self.warnings.append(f"[{g}] {merged.name}.{fname}: @override(from: \"{f.override}\") names no subgraph "
                                     f"(FROM_SUBGRAPH_DOES_NOT_EXIST); the directive has no effect")
            elif f.override == g:
                self.error("OVERRIDE_FROM_SELF_ERROR", f"[{g}] {merged.name}.{fname}: @override cannot name its own subgraph")
            elif f.override in holders and holders[f.override].override:
                self.error("OVERRIDE_SOURCE_HAS_OVERRIDE", f"[{g}] {merged.name}.{fname}: overrides \"{f.override}\", "
                           f"whose field is itself marked @override")
            elif f.override in holders and not f.override_label and not holders[f.override].external:
                out[f.override] = self.still_used(merged, f.override, fname)
        return out

    def still_used(self, merged: MergedType, graph: str, fname: str) -> bool:
        """An overridden field its own subgraph still needs: in a key or for an interface it implements."""
        source = merged.sources[graph]
        if any(fname in _field_names(k) for k, _ in source.keys):
            return True
        subgraph = next(s for s in self.subgraphs if s.name == graph)
        return any(fname in getattr(subgraph.types.get(i), "fields", {}) for i in source.interfaces)

    def check_external_types(self, where: str, live: dict[str, Field], ftype: ast.TypeNode) -> None:
        """An @external declaration must agree with the type the resolving subgraphs give."""
        for g, f in live.items():
            if not f.external:
                continue
            try:
                _combine([ftype, f.type], True, self.subtypes)
            except ValueError:
                self.error("EXTERNAL_TYPE_MISMATCH", f'[{g}] {where} is @external with type {print_ast(f.type)}, '
                           f"incompatible with {print_ast(ftype)} where it is resolved")

    def merge_args(self, where: str, holders: dict[str, Field]) -> dict[str, Argument]:
        """Arguments by intersection; defaults must agree."""
        sets = [set(f.args) for f in holders.values()]
        common = set.intersection(*sets) if sets else set()
        out = {}
        for name in dict.fromkeys(a for f in holders.values() for a in f.args):
            args = {g: f.args[name] for g, f in holders.items() if name in f.args}
            if name not in common:
                if any(isinstance(a.type, ast.NonNullTypeNode) and a.default is None for a in args.values()):
                    self.error("REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                               f"argument {where}({name}:) is required in {_list(args)} but missing in "
                               f"{_list(g for g in holders if g not in args)}")
                continue
            defaults = {print_ast(a.default) for a in args.values() if a.default is not None}
            if len(defaults) > 1:
                self.error("FIELD_ARGUMENT_DEFAULT_MISMATCH",
                           f"argument {where}({name}:) has different defaults: {_detail(args, lambda a: print_ast(a.default) if a.default else 'none')}")
            atype = self.narrow(f"{where}({name}:)", {g: a.type for g, a in args.items()})
            any_arg = next(iter(args.values()))
            out[name] = Argument(name, atype or any_arg.type, first(a.default for a in args.values()),
                                       description(a.description for a in args.values()),
                                       merge_directives([a.directives for a in args.values()]))
        return out

    # --- type compatibility ---------------------------------------------------------------
    def widen(self, where: str, types: dict[str, ast.TypeNode]) -> ast.TypeNode | None:
        """Output positions: the most general type every subgraph's type is a subtype of."""
        return self._combine(where, types, output=True)

    def narrow(self, where: str, types: dict[str, ast.TypeNode]) -> ast.TypeNode | None:
        """Input positions: the strictest type (non-null wins)."""
        return self._combine(where, types, output=False)

    def _combine(self, where: str, types: dict[str, ast.TypeNode], output: bool) -> ast.TypeNode | None:
        if not types:
            return None
        try:
            return _combine(list(types.values()), output, self.subtypes)
        except ValueError:
            code = "FIELD_ARGUMENT_TYPE_MISMATCH" if "(" in where else "FIELD_TYPE_MISMATCH"
            self.error(code, f"{where} has incompatible types across subgraphs: {_detail(types, print_ast)}")
            return None

    # --- inputs, enums, interface objects --------------------------------------------------
    def merge_input(self, merged: MergedType) -> None:
        sets = [set(t.fields) for t in merged.sources.values()]
        common = set.intersection(*sets)
        for fname in dict.fromkeys(f for t in merged.sources.values() for f in t.fields):
            holders = {g: t.fields[fname] for g, t in merged.sources.items() if fname in t.fields}
            where = f"{merged.name}.{fname}"
            if fname not in common:
                if any(isinstance(f.type, ast.NonNullTypeNode) for f in holders.values()):
                    self.error("REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                               f"input field {where} is required in {_list(holders)} but missing in "
                               f"{_list(g for g in merged.sources if g not in holders)}")
                continue
            ftype = self.narrow(where, {g: f.type for g, f in holders.items()}) or next(iter(holders.values())).type
            out = MergedField(fname, ftype, description=description(f.description for f in holders.values()))
            out.directives = merge_directives([f.directives for f in holders.values()])
            defaults = {print_ast(f.default) for f in holders.values() if f.default is not None}
            out.graphs = [self.enum[g] for g in holders]
            differing = [g for g, f in holders.items() if print_ast(f.type) != print_ast(ftype)]
            out.joins = [JoinField(self.enum[g], type=print_ast(f.type)) for g, f in holders.items()] if differing else None
            if len(defaults) > 1:
                self.error("INPUT_FIELD_DEFAULT_MISMATCH", f"input field {where} has different defaults: "
                           f"{_detail(holders, lambda f: print_ast(f.default) if f.default else 'none')}")
            out.default = first(f.default for f in holders.values())
            merged.fields[fname] = out

    def merge_enum(self, merged: MergedType) -> None:
        as_input, as_output = merged.name in self.input_use, merged.name in self.output_use
        sets = [set(t.values) for t in merged.sources.values()]
        union, common = set.union(*sets), set.intersection(*sets)
        hidden = {v for t in merged.sources.values() for v, f in t.values.items() if any(d.name == "inaccessible" for d in f.directives)}
        if as_input and as_output and union - hidden != common - hidden:
            for g, t in merged.sources.items():
                for v in sorted(union - hidden - set(t.values)):
                    self.error("ENUM_VALUE_MISMATCH", f"enum {merged.name} is used as both input and output, "
                               f"but value {v} is not defined in subgraph {g}")
        keep = common if as_input and not as_output else union
        keep = keep | (hidden if as_output else set())
        for vname in dict.fromkeys(v for t in merged.sources.values() for v in t.values):
            if vname not in keep:
                continue
            holders = {g: t.values[vname] for g, t in merged.sources.items() if vname in t.values}
            out = MergedField(vname, ast.NamedTypeNode(name=ast.NameNode(value="")), description=description(v.description for v in holders.values()))
            out.directives = merge_directives([v.directives for v in holders.values()])
            out.graphs = [self.enum[g] for g in holders]
            merged.values[vname] = out

    def add_interface_object_fields(self, types: dict[str, MergedType]) -> None:
        """Fields an @interfaceObject adds to an interface also exist on each implementation."""
        for iface in types.values():
            if iface.kind != "interface" or not any(t.interface_object for t in iface.sources.values()):
                continue
            for impl in types.values():
                if impl.kind != "object" or iface.name not in impl.interfaces:
                    continue
                for fname, f in iface.fields.items():
                    if fname not in impl.fields:
                        impl.fields[fname] = MergedField(fname, f.type, dict(f.args), f.description, list(f.directives), joins=[])


def _combine(types: list[ast.TypeNode], output: bool, subtypes: dict[str, set[str]]) -> ast.TypeNode:
    non_null = [isinstance(t, ast.NonNullTypeNode) for t in types]
    inner = [t.type if isinstance(t, ast.NonNullTypeNode) else t for t in types]
    keep_non_null = all(non_null) if output else any(non_null)
    lists = [t for t in inner if isinstance(t, ast.ListTypeNode)]
    named = [t for t in inner if isinstance(t, ast.NamedTypeNode)]
    if lists and named:
        raise ValueError("list mismatch")
    result: ast.ListTypeNode | ast.NamedTypeNode
    if lists:
        result = ast.ListTypeNode(type=_combine([t.type for t in lists], output, subtypes))
    else:
        names = list(dict.fromkeys(t.name.value for t in named))
        if len(names) > 1:
            top = [n for n in names if all(o == n or o in subtypes.get(n, ()) for o in names)] if output else []
            if not top:
                raise ValueError("named type mismatch")
            names = top
        result = ast.NamedTypeNode(name=ast.NameNode(value=names[0]))
    return ast.NonNullTypeNode(type=result) if keep_non_null else result


def _field_names(selection: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", selection))


def _list(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _detail(items: dict, show) -> str:
    return "; ".join(f'{show(v)} in "{g}"' for g, v in items.items())
