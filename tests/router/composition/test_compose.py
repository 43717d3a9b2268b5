"""Composition without Node: output shape, error codes and messages, config errors, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.cli import main
from router.composition import CompositionFailed, SubgraphSource, compose, compose_from_config
from router.composition.supergraph import Supergraph
from tests.router.composition.test_differential import FAILING, FIXTURES

FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@override"])\n'


def _compose(**sdls: str) -> str:
    return compose([SubgraphSource(name, f"http://{name}/graphql", sdl) for name, sdl in sdls.items()])


def _codes(**sdls: str) -> list[str]:
    with pytest.raises(CompositionFailed) as failed:
        _compose(**sdls)
    return [e.code for e in failed.value.errors]


@pytest.mark.parametrize("name", sorted(FAILING))
def test_failing_fixture_reports_its_code(name: str) -> None:
    with pytest.raises(CompositionFailed) as failed:
        compose_from_config(FIXTURES / name / "supergraph.yaml")
    assert FAILING[name] in [e.code for e in failed.value.errors]


def test_override_and_join_metadata_are_printed() -> None:
    sdl = _compose(
        a=FED + 'type Query { t: T @shareable } type T @key(fields: "id") { id: ID! v: Int }',
        b=FED + 'type Query { t: T @shareable } type T @key(fields: "id") { id: ID! v: Int @override(from: "a") w: String }',
    )
    assert '@join__graph(name: "a", url: "http://a/graphql")' in sdl
    assert 'v: Int @join__field(graph: B, override: "a")' in sdl
    assert 'w: String @join__field(graph: B)' in sdl
    assert '@join__type(graph: A, key: "id")' in sdl


def test_output_types_widen_and_arguments_intersect() -> None:
    sdl = _compose(
        a=FED + "type Query { n(x: Int, y: Int): Int! @shareable }",
        b=FED + "type Query { n(x: Int!): Int @shareable }",
    )
    assert 'n(x: Int!): Int @join__field(graph: A, type: "Int!") @join__field(graph: B, type: "Int")' in sdl


def test_error_names_subgraph_type_field_and_rule() -> None:
    with pytest.raises(CompositionFailed) as failed:
        _compose(a=FED + 'type Query { p: P } type P @key(fields: "id nope") { id: ID! }')
    [error] = failed.value.errors
    assert error.code == "KEY_INVALID_FIELDS"
    assert "[a]" in str(error) and "P" in str(error) and '"nope"' in str(error)


def test_enum_used_as_input_and_output_must_agree() -> None:
    codes = _codes(
        a=FED + "type Query { e(v: E): E @shareable } enum E { X Y }",
        b=FED + "type Query { e(v: E): E @shareable } enum E { X }",
    )
    assert codes == ["ENUM_VALUE_MISMATCH"]


def test_override_of_unknown_subgraph_is_reported_but_composes() -> None:
    from router.composition.merge import Merger
    from router.composition.subgraph import build_subgraph

    merger = Merger([build_subgraph("a", "http://a", FED + 'type Query { x: Int @override(from: "ghost") }')])
    supergraph: Supergraph = merger.merge()
    assert merger.errors == [] and "FROM_SUBGRAPH_DOES_NOT_EXIST" in supergraph.warnings[0]


def test_syntax_error_is_a_clear_error() -> None:
    assert _codes(a="type Query { x: }") == ["INVALID_GRAPHQL"]


@pytest.mark.parametrize("text, fragment", [
    ("subgraphs: {}", "'subgraphs' must map"),
    ("subgraphs:\n  a:\n    routing_url: http://a\n    schema: {file: missing.graphql}", "cannot read"),
    ("subgraphs:\n  a:\n    schema: {file: x.graphql}", "'routing_url' is missing"),
    ("subgraphs: [", "cannot read"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, fragment: str) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(text)
    with pytest.raises(CompositionFailed) as failed:
        compose_from_config(config)
    assert fragment in str(failed.value)


def test_cli_compose_writes_file_or_stdout(tmp_path: Path, capsys) -> None:
    out = tmp_path / "supergraph.graphql"
    assert main(["compose", "--config", str(FIXTURES / "keys" / "supergraph.yaml"), "-o", str(out)]) == 0
    assert "@join__type(graph: PRODUCTS" in out.read_text()
    assert main(["compose", "--config", str(FIXTURES / "keys" / "supergraph.yaml")]) == 0
    assert capsys.readouterr().out == out.read_text()


def test_cli_compose_fails_with_errors(capsys) -> None:
    assert main(["compose", "--config", str(FIXTURES / "fail_field_sharing" / "supergraph.yaml")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "[INVALID_FIELD_SHARING]" in captured.err


def test_stale_supergraph_reports_differences(tmp_path: Path) -> None:
    from router.composition import stale_supergraph

    config = FIXTURES / "keys" / "supergraph.yaml"
    published = tmp_path / "supergraph.graphql"
    published.write_text(compose_from_config(config))
    assert stale_supergraph(config, published) == []
    published.write_text(published.read_text().replace("  name: String", ""))
    assert any("Product" in line for line in stale_supergraph(config, published))


async def test_compose_inside_an_event_loop() -> None:
    from router.composition import compose_from_config_async

    assert "type Product" in await compose_from_config_async(FIXTURES / "keys" / "supergraph.yaml")


async def test_read_supergraph_takes_sdl_as_is_and_composes_a_yaml_inside_a_loop(tmp_path: Path) -> None:
    from router.composition import read_supergraph

    sdl = tmp_path / "supergraph.graphql"
    sdl.write_text("not even GraphQL")
    assert read_supergraph(sdl) == "not even GraphQL"
    assert "@join__type(graph: PRODUCTS" in read_supergraph(FIXTURES / "keys" / "supergraph.yaml")


def test_no_queries_is_an_error() -> None:
    assert _codes(a="scalar X") == ["NO_QUERIES"]


def test_subgraph_names_that_sanitize_alike_get_distinct_graphs() -> None:
    sdl = compose([SubgraphSource("a-b", "http://1", "type Query { a: Int }"), SubgraphSource("a_b", "http://2", "type Query { b: Int }")])
    assert 'A_B @join__graph(name: "a-b"' in sdl and 'A_B_1 @join__graph(name: "a_b"' in sdl


def test_unreachable_subgraph_url_is_a_clear_error(tmp_path: Path) -> None:
    from tests.support.processes import free_port

    config = tmp_path / "supergraph.yaml"
    url = f"http://127.0.0.1:{free_port()}/graphql"
    config.write_text(f"subgraphs:\n  a:\n    routing_url: {url}\n    schema:\n      subgraph_url: {url}\n")
    with pytest.raises(CompositionFailed) as failed:
        compose_from_config(config)
    assert f"cannot read the SDL from {url}" in str(failed.value)
