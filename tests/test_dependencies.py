"""Dependencies point one way (docs/architecture.md): an AST scan of every import, at module level
or inside a function, checked against the layering rules and for cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("router", "auth", "subgraphs", "bench")

# (package, packages of this project it must not import)
FORBIDDEN = [
    ("router.features", ("router.server", "router.gateway", "router.composition", "router.cli")),
    ("router.pipeline", ("router.features", "router.server", "router.gateway", "router.composition")),
    ("router.supergraph", ("router.composition", "router.planning", "router.execution", "router.features",
                           "router.server", "router.gateway", "router.pipeline")),
    ("auth", ("router", "subgraphs", "bench")),
    ("subgraphs", ("router", "bench")),
    ("router", ("bench",)),
]
# planning is pure: of this project it may import only the supergraph model; execution runs plans
# (its package picks compiled or source modules through router.native, which imports nothing of ours)
ONLY = [
    ("router.planning", ("router.planning", "router.supergraph")),
    ("router.execution", ("router.execution", "router.planning", "router.supergraph", "router.native")),
    ("router.native", ("router.native",)),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


def imported(path: Path, name: str, known: dict[str, Path]) -> Iterator[str]:
    """Project modules this file imports; `from pkg import sub` counts as importing pkg.sub."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                yield target


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(path, name, known)) - {name} for name, path in known.items()}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN)
def test_forbidden_imports(package: str, forbidden: tuple[str, ...]) -> None:
    broken = sorted(f"{source} imports {target}" for source, targets in graph().items() if within(source, package)
                    for target in targets if any(within(target, f) for f in forbidden))
    assert broken == []


@pytest.mark.parametrize(("package", "allowed"), ONLY)
def test_only_allowed_imports(package: str, allowed: tuple[str, ...]) -> None:
    broken = sorted(f"{source} imports {target}" for source, targets in graph().items() if within(source, package)
                    for target in targets if not any(within(target, a) for a in allowed))
    assert broken == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    packages = {name for name, path in modules().items() if path.name == "__init__.py"}
    # a package's __init__ re-exporting its own modules is not a cycle of the design
    edges = {source: {t for t in targets if not (source in packages and within(t, source))}
             for source, targets in graph().items()}
    assert cycles(edges) == []


def test_the_scan_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
