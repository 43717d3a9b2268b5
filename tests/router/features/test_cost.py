"""Demand control: @cost/@listSize carried by composition, read from the supergraph, and the
cost estimated from them."""

from __future__ import annotations

import pytest
from graphql import FragmentDefinitionNode, get_operation_ast, parse, validate
from graphql.execution.values import get_variable_values

from router.composition import SubgraphSource, compose
from router.features.cost import SlicingArgumentError, estimate_cost
from router.supergraph import load_supergraph
from router.supergraph.cost import ListSize
from router.supergraph.links import read_links
from router.supergraph.cost import read_cost_directives

SHOP = '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
                      import: ["@key", {name: "@cost", as: "@weight"}, "@listSize"])
type Query {
  products(first: Int = 5, last: Int, after: String): ProductConnection!
    @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
  top(limit: Int): [Product!]! @listSize(assumedSize: 3)
  search(text: String! @weight(weight: 7)): [Product!]!
  page(first: Int, last: Int): [Product!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
  strict(first: Int, last: Int): [Product!]! @listSize(slicingArguments: ["first", "last"])
  node: Node
}
interface Node { id: ID! }
type ProductConnection { edges: [Edge!]! total: Int! }
type Edge { node: Product! }
type Product implements Node @key(fields: "id") { id: ID! name: String! expensive: Int! @weight(weight: 50) }
type Mutation { buy(id: ID!): Product }
'''
REVIEWS = '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost"])
type Product @key(fields: "id") { id: ID! reviews: [Review!]! }
type Review @cost(weight: 4) { body: String! }
'''


@pytest.fixture(scope="module")
def supergraph():
    return load_supergraph(compose([SubgraphSource("shop", "http://127.0.0.1:9/graphql", SHOP),
                                    SubgraphSource("reviews", "http://127.0.0.1:9/graphql", REVIEWS)]))


def cost(supergraph, query: str, variables: dict | None = None, default_list_size: int = 10) -> int:
    document = parse(query)
    assert validate(supergraph.api_schema, document) == []
    operation = get_operation_ast(document)
    values = get_variable_values(supergraph.api_schema, operation.variable_definitions or (), variables or {})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return estimate_cost(supergraph.api_schema, supergraph.costs, operation, fragments,
                         getattr(values, "coerced", values), default_list_size)


def test_composition_carries_cost_and_list_size_under_the_cost_spec(supergraph):
    assert '@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])' in supergraph.sdl
    costs = supergraph.costs
    assert costs.weights == {"Product.expensive": 50, "Query.search(text:)": 7, "Review": 4}
    assert costs.list_sizes["Query.top"] == ListSize(assumed_size=3)
    assert costs.list_sizes["Query.products"] == ListSize(None, ("first", "last"), ("edges",), True)


def test_renamed_imports_and_join_directive_are_read():
    sdl = '''schema @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
      @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{name: "@cost", as: "@price"}, {name: "@listSize", as: "@size"}])
    { query: Query }
    type Query {
      a: [Int] @size(assumedSize: 7)
      b: Int @price(weight: 3)
      c: Int @join__directive(graphs: [X], name: "cost", args: {weight: 9})
      d: [Int] @join__directive(graphs: [X], name: "listSize", args: {assumedSize: 2})
    }'''
    document = parse(sdl)
    costs = read_cost_directives(document, read_links(document))
    assert costs.weights == {"Query.b": 3, "Query.c": 9}
    assert costs.list_sizes == {"Query.a": ListSize(assumed_size=7), "Query.d": ListSize(assumed_size=2)}


def test_objects_cost_one_leaves_nothing(supergraph):
    assert cost(supergraph, "{ node { id __typename } }") == 1
    assert cost(supergraph, "{ __typename }") == 0


def test_lists_multiply_by_assumed_or_default_size(supergraph):
    assert cost(supergraph, "{ top { name } }") == 3  # 3 products × 1
    assert cost(supergraph, "{ top { name } }", default_list_size=100) == 3
    assert cost(supergraph, '{ search(text: "x") { id } }') == 10 * 1 + 7  # default size, argument weight
    assert cost(supergraph, '{ search(text: "x") { id } }', default_list_size=2) == 2 + 7


def test_field_and_type_weights_and_nested_lists(supergraph):
    # 3 × (product 1 + expensive 50 + 10 reviews × Review weight 4)
    assert cost(supergraph, "{ top { expensive reviews { body } } }") == 3 * (1 + 50 + 10 * 4)


def test_slicing_argument_sizes_the_sized_fields(supergraph):
    # connection 1 + edges: first × (edge 1 + node 1)
    assert cost(supergraph, "{ products(first: 20) { edges { node { name } } total } }") == 1 + 20 * 2
    assert cost(supergraph, "query($n: Int) { products(first: $n) { edges { node { name } } } }", {"n": 7}) == 1 + 7 * 2
    assert cost(supergraph, "{ products { edges { node { name } } } }") == 1 + 5 * 2  # the argument's default


def test_the_largest_slicing_argument_counts_when_one_is_not_required(supergraph):
    assert cost(supergraph, "{ page(first: 4, last: 9) { id } }") == 9
    assert cost(supergraph, "{ page { id } }") == 10  # none given: the default list size


def test_require_one_slicing_argument(supergraph):
    assert cost(supergraph, "{ strict(last: 4) { id } }") == 4
    for query in ("{ strict { id } }", "{ strict(first: 1, last: 2) { id } }",
                  "{ products(first: 1, last: 2) { total } }"):
        with pytest.raises(SlicingArgumentError) as raised:
            cost(supergraph, query)
        assert raised.value.extensions["code"] == "SLICING_ARGUMENT_REQUIRED" and "exactly one" in raised.value.message


def test_mutation_root_fields_cost_ten_more(supergraph):
    assert cost(supergraph, 'mutation { buy(id: "1") { id } }') == 10 + 1
    assert cost(supergraph, 'mutation { a: buy(id: "1") { id } b: buy(id: "2") { id } }') == 2 * 11


def test_fragments_are_followed(supergraph):
    query = """{ top { ...P ... on Product { expensive } } }
               fragment P on Product { reviews { body } }"""
    assert cost(supergraph, query) == 3 * (1 + 10 * 4 + 50)


def test_a_fragment_cycle_does_not_loop(supergraph):
    document = parse("{ top { ...A } } fragment A on Product { name ...B } fragment B on Product { expensive ...A }")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    total = estimate_cost(supergraph.api_schema, supergraph.costs, get_operation_ast(document), fragments, {})
    assert total == 3 * (1 + 50)
