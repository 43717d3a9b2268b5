"""Which top-level packages a package's modules import, read from their source (nothing is run)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.processes import ROOT


def imported_packages(package: str) -> dict[str, set[str]]:
    """module path → the top-level names it imports (absolute imports only: ours all are)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        found[str(Path(path).relative_to(ROOT))] = names
    return found
