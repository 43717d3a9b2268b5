import pytest
from graphql import print_schema

from router.supergraph import SupergraphError, load_supergraph
from router.schema_files import SUPERGRAPH
from tests.router.planning.conftest import supergraph_sdl


def test_join_directives_become_the_model():
    model = load_supergraph(supergraph_sdl("requires"))
    assert {g.name for g in model.graphs.values()} == {"products", "shipping"}
    product = model.types["Product"]
    assert sorted(model.graph_name(k.graph) for k in product.keys) == ["products", "shipping"]
    estimate = product.fields["shippingEstimate"]
    (source,) = estimate.sources.values()
    assert model.graph_name(source.graph) == "shipping" and source.requires is not None
    weight = product.fields["weight"]
    assert {model.graph_name(g): s.external for g, s in weight.sources.items()} == {"products": False, "shipping": True}


def test_interface_objects_and_provides_are_read():
    model = load_supergraph(supergraph_sdl("interface_object"))
    assert [model.graph_name(g) for g in model.types["Media"].interface_object_graphs] == ["ratings"]
    provides = load_supergraph(supergraph_sdl("provides")).types["Review"].fields["author"]
    assert next(iter(provides.sources.values())).provides is not None


def test_api_schema_hides_machinery_and_inaccessible_elements():
    model = load_supergraph(SUPERGRAPH.read_text())
    api = print_schema(model.api_schema)
    assert "join__" not in api and "link__" not in api and "@inaccessible" not in api
    assert "costPrice" not in api and "reserveStock" not in api and "ReservedItem" not in api
    assert "costPrice" in print_schema(model.schema)
    assert model.api_schema.get_type("Product").fields["shippingEstimate"]


@pytest.mark.parametrize(("sdl", "message"), [
    ("type Query {", "not valid GraphQL SDL"),
    ("type Query { hello: String }", "no @link to the join spec"),
    ('schema @link(url: "https://specs.apollo.dev/join/v0.3") { query: Query }\ntype Query { a: Int }',
     "join__Graph is missing"),
])
def test_non_supergraphs_are_refused_with_the_reason(sdl, message):
    with pytest.raises(SupergraphError, match=message):
        load_supergraph(sdl)


def test_unknown_subgraph_in_a_join_directive_is_named():
    sdl = supergraph_sdl("entity_jump").replace("@join__field(graph: REVIEWS)", "@join__field(graph: NOWHERE)", 1)
    with pytest.raises(SupergraphError, match="NOWHERE"):
        load_supergraph(sdl)
