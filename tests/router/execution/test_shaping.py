"""Shaping merged data to the client's selection: a null already explained by an error gets no
second error (issue 13 item 4)."""

from __future__ import annotations

from graphql import build_schema, parse
from graphql.execution.values import VariableValues

from router.execution.shaping import Shaper

SCHEMA = build_schema("""
type Query { order: Order  products: [Product!]! }
type Order { items: [Item!]! }
type Item { product: Product }
type Product { name: String!  category: Category }
type Category { products(first: Int!): Connection! }
type Connection { totalCount: Int! }
""")
QUERY = "{ order { items { product { name category { products(first: 0) { totalCount } } } } } }"
NO_VARIABLES = VariableValues({}, {})


def shape(query: str, data: dict, errors: list[dict]) -> tuple[dict | None, list[dict]]:
    document = parse(query)
    operation = document.definitions[0]
    shaper = Shaper(SCHEMA, {}, NO_VARIABLES, errors)
    return shaper.operation(operation, data), shaper.errors  # type: ignore[arg-type]


def test_a_null_entity_whose_subgraph_reported_an_error_inside_it_gets_no_second_error():
    """The catalog refused `products(first: 0)` inside each product and nulled the product."""
    reported = [{"message": "first must be between 1 and 100, got 0",
                 "path": ["order", "items", i, "product", "category", "products"],
                 "extensions": {"code": "BAD_USER_INPUT"}} for i in range(2)]
    data = {"order": {"items": [{"product": {}}, {"product": {}}]}}
    shaped, errors = shape(QUERY, data, list(reported))
    assert shaped == {"order": {"items": [{"product": None}, {"product": None}]}}
    assert errors == reported


def test_an_unexplained_null_still_gets_its_error():
    shaped, errors = shape("{ order { items { product { name } } } }", {"order": {"items": [{"product": {}}]}}, [])
    assert shaped == {"order": {"items": [{"product": None}]}}
    assert errors == [{"message": "Cannot return null for non-nullable field Product.name.",
                       "path": ["order", "items", 0, "product", "name"]}]


def test_an_error_at_a_root_field_does_not_explain_another_root_field():
    shaped, errors = shape("{ order { items { product { name } } } products { name } }",
                           {"order": None, "products": [{}]}, [{"message": "down", "path": ["order"]}])
    assert shaped is None
    assert [e["path"] for e in errors] == [["order"], ["products", 0, "name"]]


def test_compiled_fields_are_shared_by_requests_of_an_operation_without_directives():
    from router.execution.shaping import CompiledOperations

    compiled = CompiledOperations()
    document = parse("{ products { name } }")
    operation = document.definitions[0]
    first = Shaper(SCHEMA, {}, NO_VARIABLES, [], compiled=compiled)
    assert first.operation(operation, {"products": [{"name": "a"}]}) == {"products": [{"name": "a"}]}  # type: ignore[arg-type]
    second = Shaper(SCHEMA, {}, NO_VARIABLES, [], compiled=compiled)
    assert second.operation(operation, {"products": [{"name": "b"}]}) == {"products": [{"name": "b"}]}  # type: ignore[arg-type]
    assert first._fields is second._fields and first._fields


def test_an_operation_with_include_is_compiled_for_each_request():
    from router.execution.shaping import CompiledOperations

    compiled = CompiledOperations()
    document = parse("query ($on: Boolean!) { products { ... on Product @include(if: $on) { name } } }")
    operation = document.definitions[0]
    data = {"products": [{"name": "a"}]}
    shaped = [Shaper(SCHEMA, {}, VariableValues({}, {"on": on}), [], compiled=compiled).operation(operation, data)  # type: ignore[arg-type]
              for on in (True, False, True)]
    assert shaped == [{"products": [{"name": "a"}]}, {"products": [{}]}, {"products": [{"name": "a"}]}]


def test_a_list_with_an_item_that_must_propagate_is_null_and_every_item_reports():
    shaped, errors = shape("{ products { name } }", {"products": [{}, {"name": "a"}, {}]}, [])
    assert shaped is None  # products is [Product!]!: the null reaches the root
    assert [e["path"] for e in errors] == [["products", 0, "name"], ["products", 2, "name"]]
