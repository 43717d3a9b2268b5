"""The mutable selection tree a fetch is built in, printed once planning is done."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import ArgumentNode, DirectiveNode, VariableNode, Visitor, print_ast, visit

RENAMED_MARK = "__graft_as"  # an alias `<key>__graft_as<n>` is read back as `<key>`


@dataclass
class FieldSelection:
    name: str
    alias: str | None = None
    arguments: tuple[ArgumentNode, ...] = ()
    directives: tuple[DirectiveNode, ...] = ()
    children: SelectionTree | None = None

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass
class SelectionTree:
    fields: dict[str, FieldSelection] = field(default_factory=dict)
    fragments: dict[str, SelectionTree] = field(default_factory=dict)

    def add_field(self, name: str, alias: str | None = None, arguments: tuple[ArgumentNode, ...] = (),
                  directives: tuple[DirectiveNode, ...] = (), composite: bool = False) -> FieldSelection:
        """Get or add; the same response key asked twice merges (conditions dropped when they differ,
        since shaping applies @skip/@include to the client's own selections anyway)."""
        key = alias or name
        existing = self.fields.get(key)
        if existing is None:
            existing = self.fields[key] = FieldSelection(name, alias, arguments, directives,
                                                         SelectionTree() if composite else None)
        elif _printed(existing.directives) != _printed(directives):
            existing.directives = ()
        return existing

    def fragment(self, type_name: str) -> SelectionTree:
        return self.fragments.setdefault(type_name, SelectionTree())

    @property
    def empty(self) -> bool:
        return not self.fields and all(f.empty for f in self.fragments.values())

    def print(self, level: int = 0) -> str:
        pad = "  " * (level + 1)
        lines = []
        for sel in self.fields.values():
            head = (f"{sel.alias}: " if sel.alias else "") + sel.name
            if sel.arguments:
                head += "(" + ", ".join(print_ast(a) for a in sel.arguments) + ")"
            if sel.directives:
                head += " " + " ".join(print_ast(d) for d in sel.directives)
            if sel.children is not None:
                children = sel.children if not sel.children.empty else _typename_only()
                head += " " + children.print(level + 1)
            lines.append(pad + head)
        for type_name, tree in self.fragments.items():
            if not tree.empty:
                lines.append(f"{pad}... on {type_name} " + tree.print(level + 1))
        return "{\n" + "\n".join(lines) + "\n" + "  " * level + "}"

    def variables(self) -> set[str]:
        found: set[str] = set()

        class Collect(Visitor):
            def enter_variable(self, node: VariableNode, *_: object) -> None:
                found.add(node.name.value)

        for sel in self.fields.values():
            for node in (*sel.arguments, *sel.directives):
                visit(node, Collect())
            if sel.children is not None:
                found |= sel.children.variables()
        for tree in self.fragments.values():
            found |= tree.variables()
        return found


def free_alias(tree: SelectionTree, name: str, arguments: tuple[ArgumentNode, ...]) -> str | None:
    """Internal fields keep their name unless the client used it for something else; with
    arguments they always get their own key, so a client's same field with other arguments
    never lands on it."""
    existing = tree.fields.get(name)
    if not arguments and (existing is None or (existing.name == name and _same_arguments(existing, arguments))):
        return None
    n = 0
    while True:
        alias = f"_graft_{name}_{n}"
        found = tree.fields.get(alias)
        if found is None or (found.name == name and _same_arguments(found, arguments)):
            return alias
        n += 1


def _same_arguments(selection: FieldSelection, arguments: tuple[ArgumentNode, ...]) -> bool:
    return [print_ast(a) for a in selection.arguments] == [print_ast(a) for a in arguments]


def _typename_only() -> SelectionTree:
    tree = SelectionTree()
    tree.add_field("__typename")
    return tree


def _printed(directives: tuple[DirectiveNode, ...]) -> tuple[str, ...]:
    return tuple(print_ast(d) for d in directives)
