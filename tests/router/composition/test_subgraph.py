"""Normalizing one subgraph: @link imports and renames, federation__ names, Federation 1 style."""

from __future__ import annotations

from router.composition.subgraph import build_subgraph


def test_imports_renames_and_prefixed_names() -> None:
    s = build_subgraph("a", "http://a", '''
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.5",
                             import: [{name: "@key", as: "@id"}, "@shareable"])
        type Query { t: T }
        type T @id(fields: "id") { id: ID! n: Int @shareable w: Int @federation__external }
    ''')
    t = s.types["T"]
    assert s.fed2 and s.version == (2, 5)
    assert t.keys == [("id", None)]
    assert t.fields["n"].shareable and not t.fields["id"].shareable
    assert t.fields["w"].external


def test_imported_directive_is_not_reachable_by_its_prefixed_name() -> None:
    s = build_subgraph("a", "http://a", '''
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@shareable"])
        type Query { x: Int @federation__shareable }
    ''')
    assert not s.types["Query"].fields["x"].shareable


def test_link_namespace_alias() -> None:
    s = build_subgraph("a", "http://a", '''
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", as: "fed")
        type Query { x: Int @fed__shareable }
    ''')
    assert s.types["Query"].fields["x"].shareable


def test_federation_1_extensions_and_implicit_sharing() -> None:
    s = build_subgraph("a", "http://a", '''
        extend type Query { me: User }
        extend type User @key(fields: "id") { id: ID! @external name: String @external bio: String }
        type Post @key(fields: "id") @extends { id: ID! @external }
    ''')
    user = s.types["User"]
    assert not s.fed2
    assert not user.fields["id"].external  # a key field of an extension belongs to it
    assert user.fields["name"].external and user.fields["bio"].shareable
    assert not user.extension and s.types["Post"].extension


def test_federation_machinery_is_dropped_and_roots_renamed() -> None:
    s = build_subgraph("a", "http://a", '''
        schema { query: Root }
        scalar _Any
        scalar FieldSet
        type _Service { sdl: String }
        type Root { _service: _Service! items: [Int] }
    ''')
    assert set(s.types) == {"Query"}
    assert list(s.types["Query"].fields) == ["items"]
