"""Entity fetches to one subgraph at the same point of a plan, sent as one subgraph request.

Fetches at one level of the plan run in parallel anyway, so those to the same subgraph can share
a request: parts with the same selection and representation fields become one `_entities` field
whose representations come from all their paths (and are de-duplicated across them); different
parts each get an aliased `_entities` field with its own representations variable."""

from __future__ import annotations

from dataclasses import dataclass

from router.planning.plan import BatchEntry, BatchFetchNode, RepresentationField
from router.planning.selections import RENAMED_MARK

Requires = tuple[tuple[str, tuple[RepresentationField, ...]], ...]


@dataclass(frozen=True)
class EntityPart:
    """One planned entity fetch: where its objects are, its printed selection, its representations."""

    path: tuple[str, ...]
    selection: str
    requires: Requires


def batch_node(service: str, parts: list[EntityPart], variables: tuple[str, ...], declared: list[str],
               taken: set[str]) -> BatchFetchNode:
    """`variables`/`declared`: the operation's variables the parts use; `taken`: every variable
    name of the operation, which the representations variables must not reuse."""
    merged: dict[tuple[str, Requires], list[tuple[str, ...]]] = {}
    for part in parts:
        merged.setdefault((part.selection, part.requires), []).append(part.path)
    single = len(merged) == 1
    prefix = _free_prefix(taken)
    entries: list[BatchEntry] = []
    fields: list[str] = []
    definitions: list[str] = []
    for n, ((selection, requires), paths) in enumerate(merged.items()):
        alias, variable = ("_entities", "representations") if single else (f"_e{n}", f"{prefix}{n}")
        entries.append(BatchEntry(alias, variable, tuple(dict.fromkeys(paths)), requires))
        head = "_entities" if single else f"{alias}: _entities"
        fields.append(f"  {head}(representations: ${variable}) {selection}")
        definitions.append(f"${variable}: [_Any!]!")
    text = "query(" + ", ".join([*definitions, *declared]) + ") {\n" + "\n".join(fields) + "\n}"
    return BatchFetchNode(service, text, variables, tuple(entries), RENAMED_MARK in text)


def _free_prefix(taken: set[str]) -> str:
    prefix = "r"
    while any(name.startswith(prefix) and name[len(prefix):].isdigit() for name in taken):
        prefix = "_" + prefix
    return prefix
