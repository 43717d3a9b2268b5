"""The benchmark subgraphs answer federation requests from their data, and cache by request body."""

import orjson
import pytest

from bench.subgraphs import data
from bench.subgraphs.graph import SUBGRAPHS
from bench.subgraphs.server import SubgraphState, answer


def state(name: str) -> SubgraphState:
    schema, sdl = SUBGRAPHS[name]()
    return SubgraphState(schema, sdl)


def ask(st: SubgraphState, query: str, variables: dict | None = None) -> dict:
    status, body = answer(st, orjson.dumps({"query": query, "variables": variables}))
    assert status == 200
    return orjson.loads(body)


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { %s } }"


@pytest.mark.parametrize("name", sorted(SUBGRAPHS))
def test_service_sdl_is_federation_2(name):
    sdl = ask(state(name), "{ _service { sdl } }")["data"]["_service"]["sdl"]
    assert "federation/v2" in sdl and "@key" in sdl


def test_data_sizes_follow_the_public_benchmark():
    assert (len(data.USERS), len(data.PRODUCTS), len(data.REVIEWS)) == (6, 9, 11)
    assert [len(data.reviews_of_product(u)) for u in "12345"] == [4, 4, 1, 2, 0]


def test_inventory_uses_the_required_fields_from_the_representation():
    got = ask(state("inventory"), ENTITIES % "... on Product { upc inStock shippingEstimate }",
              {"r": [{"__typename": "Product", "upc": "3", "price": 2000, "weight": 10},
                     {"__typename": "Product", "upc": "3", "price": 10, "weight": 10}]})
    stock = data.PRODUCTS_BY_UPC["3"]["inStock"]
    assert got["data"]["_entities"] == [
        {"upc": "3", "inStock": stock, "shippingEstimate": 0},
        {"upc": "3", "inStock": stock, "shippingEstimate": 5},
    ]


def test_reviews_provides_the_author_username():
    got = ask(state("reviews"), ENTITIES % "... on Review { author { id username } }",
              {"r": [{"__typename": "Review", "id": "2"}]})
    author = data.USERS_BY_ID[data.REVIEWS_BY_ID["2"]["author_id"]]
    assert got["data"]["_entities"] == [{"author": {"id": author["id"], "username": author["username"]}}]


def test_unknown_entity_type_is_an_error_not_a_crash():
    got = ask(state("accounts"), ENTITIES % "__typename", {"r": [{"__typename": "Nope", "id": "1"}]})
    assert "unknown entity type" in got["errors"][0]["message"]


def test_top_products_defaults_to_five():
    assert len(ask(state("products"), "{ topProducts { upc } }")["data"]["topProducts"]) == 5


def test_bad_body_is_400_and_not_cached():
    st = state("accounts")
    status, body = answer(st, b"{not json")
    assert status == 400 and b"bad request" in body
    assert st.answers == {}


def test_answers_are_cached_per_request_body():
    st = state("accounts")
    request = orjson.dumps({"query": "{ me { id } }"})
    first = answer(st, request)
    assert st.answers == {request: first[1]}
    assert answer(st, request) == first
