import pytest

from auth import scopes
from subgraphs.common import seeddata
from tests.support.apps import bearer

PRODUCTS = """
query($first: Int!, $after: String, $categoryId: ID, $search: String) {
  products(first: $first, after: $after, categoryId: $categoryId, search: $search) {
    totalCount
    edges { cursor node { id sku name price { amount currency } weight inStock stock category { id slug } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_products_page_through_all_seeded_products(catalog):
    seen, after = [], None
    while True:
        body = await catalog.execute(PRODUCTS, {"first": 100, "after": after})
        page = body["data"]["products"]
        assert page["totalCount"] == len(seeddata.products())
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [str(p.id) for p in seeddata.products()]


async def test_product_fields_match_the_seed(catalog):
    body = await catalog.execute(PRODUCTS, {"first": 1}, bearer(3, [scopes.INVENTORY_READ]))
    node = body["data"]["products"]["edges"][0]["node"]
    first = seeddata.products()[0]
    assert node == {
        "id": "1", "sku": first.sku, "name": first.name, "price": {"amount": first.price, "currency": "USD"},
        "weight": first.weight, "inStock": first.stock > 0, "stock": first.stock,
        "category": {"id": str(first.category_id), "slug": seeddata.categories()[first.category_id - 1].slug},
    }


async def test_filter_by_category_and_search(catalog):
    body = await catalog.execute(PRODUCTS, {"first": 100, "categoryId": "3"})
    nodes = [e["node"] for e in body["data"]["products"]["edges"]]
    assert nodes and all(n["category"]["id"] == "3" for n in nodes)
    assert body["data"]["products"]["totalCount"] == sum(p.category_id == 3 for p in seeddata.products())
    body = await catalog.execute(PRODUCTS, {"first": 100, "search": "KETTLE"})
    expected = [p for p in seeddata.products() if "kettle" in (p.name + p.description).lower()]
    assert body["data"]["products"]["totalCount"] == len(expected) > 0
    assert all("Kettle" in e["node"]["name"] for e in body["data"]["products"]["edges"])


async def test_bad_paging_arguments_are_client_errors(catalog):
    body = await catalog.execute(PRODUCTS, {"first": 5, "after": "bm90LWEtY3Vyc29y"})
    assert body["data"] is None and "Invalid cursor" in body["errors"][0]["message"]
    body = await catalog.execute(PRODUCTS, {"first": 0})
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_product_by_either_key_and_categories(catalog):
    query = "query($id: ID, $sku: String) { product(id: $id, sku: $sku) { id sku } }"
    assert (await catalog.execute(query, {"id": "7"}))["data"]["product"] == {"id": "7", "sku": "SKU-00007"}
    assert (await catalog.execute(query, {"sku": "SKU-00007"}))["data"]["product"]["id"] == "7"
    assert (await catalog.execute(query, {"id": "99999"}))["data"]["product"] is None
    both = await catalog.execute(query, {"id": "7", "sku": "SKU-00007"})
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    categories = await catalog.execute("{ categories { id name slug products(first: 2) { totalCount } } }")
    assert len(categories["data"]["categories"]) == len(seeddata.categories())
    assert categories["data"]["categories"][0]["products"]["totalCount"] == 20


async def test_cost_price_is_served_but_marked_inaccessible(catalog):
    body = await catalog.execute('{ product(id: "1") { costPrice { amount } } }')
    assert body["data"]["product"]["costPrice"]["amount"] == seeddata.products()[0].cost_price
    sdl = (await catalog.execute("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert "costPrice: Money! @inaccessible" in sdl


async def test_invalid_graphql_and_unknown_fields(catalog):
    resp = await catalog.client.post("/graphql", data=b"{not json", headers={"content-type": "application/json"})
    assert resp.status == 400
    body = await catalog.execute("{ products { nope } }")
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]
    body = await catalog.execute("query($f: Int!) { products(first: $f) { totalCount } }", {"f": "ten"})
    assert "Int cannot represent" in body["errors"][0]["message"]


async def test_search_wildcards_are_literal_text(catalog):
    for text in ("%", "_", "lamp%"):
        body = await catalog.execute(PRODUCTS, {"first": 5, "search": text})
        assert body["data"]["products"]["totalCount"] == 0, text


@pytest.mark.parametrize("search", ["a" * 50_000, "lamp" * 100, "a\u0000b"], ids=["50000", "400", "nul"])
async def test_a_search_too_long_or_with_nul_is_the_clients_mistake_and_shows_no_sql(catalog, search):
    body = await catalog.execute(PRODUCTS, {"first": 5, "search": search})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    message = body["errors"][0]["message"]
    assert "search" in message and "SELECT" not in message and "sqlite" not in message.lower()
    assert len(message) < 200


async def test_a_search_at_the_limit_runs(catalog):
    body = await catalog.execute(PRODUCTS, {"first": 5, "search": "x" * 200})
    assert body["data"]["products"]["totalCount"] == 0


@pytest.mark.parametrize("id", ["²", "١", "99999999999999999999", "2147483648"])
async def test_malformed_ids_are_bad_user_input(catalog, id):
    body = await catalog.execute('query($id: ID) { product(id: $id) { id } }', {"id": id})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "is not a valid id" in body["errors"][0]["message"]
