"""`graft check`: changes that break clients, compared on API schemas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from router.cli import main
from router.composition import compose_from_config
from router.composition.check import compare_schemas
from tests.router.composition.test_differential import FIXTURES


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the inaccessible_tag fixture with its supergraph published next to it."""
    shutil.copytree(FIXTURES / "inaccessible_tag", tmp_path / "graph")
    (tmp_path / "published.graphql").write_text(compose_from_config(tmp_path / "graph" / "supergraph.yaml"))
    return tmp_path


def _edit(project: Path, file: str, old: str, new: str) -> None:
    path = project / "graph" / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _check(project: Path) -> int:
    return main(["check", "--config", str(project / "graph" / "supergraph.yaml"), "--against", str(project / "published.graphql")])


def test_no_change_passes(project: Path, capsys) -> None:
    assert _check(project) == 0
    assert "0 breaking, 0 safe" in capsys.readouterr().out


@pytest.mark.parametrize("file, old, new, kind", [
    ("search.graphql", "  rank: Int\n", "", "FIELD_REMOVED"),
    ("catalog.graphql", "title: String!", "title: String", "FIELD_CHANGED_KIND"),
    ("search.graphql", "search(text: String!, sort: Sort)", "search(text: String!, sort: Sort, page: Int!)", "REQUIRED_ARG_ADDED"),
    ("search.graphql", "search(text: String!, sort: Sort)", "search(text: String!, sort: Sort!)", "ARG_CHANGED_KIND"),
    ("catalog.graphql", "  PRICE\n", "", "VALUE_REMOVED_FROM_ENUM"),
    ("search.graphql", "rank: Int", "rank: Float", "FIELD_CHANGED_KIND"),
])
def test_breaking_changes_fail(project: Path, capsys, file: str, old: str, new: str, kind: str) -> None:
    _edit(project, file, old, new)
    if kind == "VALUE_REMOVED_FROM_ENUM":
        _edit(project, "search.graphql", "  PRICE\n", "")
    assert _check(project) == 1
    assert f"BREAKING {kind}" in capsys.readouterr().out


def test_safe_changes_pass_and_are_listed(project: Path, capsys) -> None:
    _edit(project, "search.graphql", "  rank: Int\n", "  rank: Int\n  popularity: Int\n")
    _edit(project, "catalog.graphql", "title: String!", "title: String!\n  subtitle: String")
    assert _check(project) == 0
    out = capsys.readouterr().out
    assert "Item.popularity was added" in out and "Item.subtitle was added" in out and "0 breaking, 2 safe" in out


def test_inaccessible_elements_are_not_part_of_the_api(project: Path) -> None:
    _edit(project, "catalog.graphql", "  costPrice: Int @inaccessible\n", "")
    assert _check(project) == 0


def test_compare_ignores_join_metadata() -> None:
    old = 'type Query @join__type(graph: A) { a: Int @join__field(graph: A) }'
    new = 'type Query @join__type(graph: B) { a: Int @join__field(graph: B) }'
    assert compare_schemas(old, new) == []


def test_unreadable_published_schema_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["check", "--config", str(FIXTURES / "keys" / "supergraph.yaml"), "--against", str(tmp_path / "nope.graphql")]) == 1
    assert "nope.graphql" in capsys.readouterr().err
