"""A fetch being built: one subgraph, one merge path, its selections and representations."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planning.fragments import DeferUsage
from router.planning.plan import RepresentationField
from router.planning.selections import SelectionTree


@dataclass(eq=False)
class FetchGroup:
    id: int
    graph: str
    path: tuple[str, ...]
    parent: FetchGroup | None
    tree: SelectionTree = field(default_factory=SelectionTree)
    representations: dict[str, list[RepresentationField]] = field(default_factory=dict)
    depends_on: set[int] = field(default_factory=set)
    children: dict[tuple[str, tuple[str, ...]], FetchGroup] = field(default_factory=dict)
    # (variable, wanted value): the fetch runs only when @include/@skip on that variable lets it
    condition: tuple[str, bool] | None = None
    # mutations: which run of root fields (consecutive ones of one subgraph) the fetch serves;
    # each run's fetches all complete before the next run starts
    stage: int = 0
    defer: int | None = None  # the deferred fragment (DeferredNode.id) the fetch serves; None: primary

    @property
    def is_entity(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class Defer:
    """A deferred fragment met by the walk, at one path (a fragment spread in two places is two)."""

    id: int
    usage: DeferUsage
    path: tuple[str, ...]
    parent: int | None


@dataclass(frozen=True)
class FetchGroups:
    """Every fetch of the plan being built, in the order made, the root fetches among them, and
    the deferred fragments met so far."""

    all: list[FetchGroup] = field(default_factory=list)
    roots: list[FetchGroup] = field(default_factory=list)
    defers: list[Defer] = field(default_factory=list)

    def new(self, graph: str, path: tuple[str, ...], parent: FetchGroup | None,
            condition: tuple[str, bool] | None, defer: int | None = None) -> FetchGroup:
        stage = parent.stage if parent is not None else 0
        group = FetchGroup(len(self.all), graph, path, parent, condition=condition, stage=stage, defer=defer)
        self.all.append(group)
        return group

    def defer(self, usage: DeferUsage, path: tuple[str, ...], parent: int | None) -> Defer:
        """The same fragment at the same path is one deferred part, whichever runtime type met it."""
        for known in self.defers:
            if known.usage.fragment == usage.fragment and known.path == path:
                return known
        made = Defer(len(self.defers), usage, path, parent)
        self.defers.append(made)
        return made

    def root(self, graph: str, condition: tuple[str, bool] | None, sequential: bool,
             defer: int | None = None) -> FetchGroup:
        """Root fields of one subgraph share a fetch: under one condition, or (mutations, which run
        in order) when they follow each other, as Apollo's planner concatenates them. Each other
        mutation root fetch starts a stage of its own."""
        if sequential:
            if self.roots and self.roots[-1].graph == graph and self.roots[-1].defer == defer:
                return self.roots[-1]
        else:
            for group in self.roots:
                if group.graph == graph and group.condition == condition and group.defer == defer:
                    return group
        group = self.new(graph, (), None, condition, defer)
        group.stage = len(self.roots) if sequential else 0
        self.roots.append(group)
        return group


def conflicting(existing: list[RepresentationField], new: list[RepresentationField]) -> bool:
    """The same representation field read from different response keys (other arguments)."""
    sources = {r.name: r.source for r in existing}
    return any(r.name in sources and sources[r.name] != r.source for r in new)


def merge_representations(into: list[RepresentationField], new: list[RepresentationField]) -> None:
    for rep in new:
        found = next((i for i, r in enumerate(into) if r.name == rep.name and r.source == rep.source), None)
        if found is None:
            into.append(rep)
        elif rep.children is not None:
            merged = list(into[found].children or ())
            merge_representations(merged, list(rep.children))
            into[found] = RepresentationField(rep.name, tuple(merged), rep.source)
