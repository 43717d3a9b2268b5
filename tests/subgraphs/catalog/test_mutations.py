import pytest

from auth import scopes
from tests.support.apps import ADMIN, bearer, mutation_over_get

CREATE = """
mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name price { amount currency } stock } }"""
UPDATE = "mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name weight } }"
ADJUST = "mutation($id: ID!, $d: Int!) { adjustStock(productId: $id, delta: $d) { id stock } }"
COUNT = "{ products(first: 1) { totalCount } }"

NEW = {"sku": "SKU-NEW-1", "name": "Brass Telescope", "categoryId": "1",
       "price": {"amount": 12999, "currency": "USD"}, "weight": 1800, "stock": 4}


async def _count(catalog) -> int:
    return (await catalog.execute(COUNT))["data"]["products"]["totalCount"]


async def test_create_then_read_back(catalog):
    before = await _count(catalog)
    body = await catalog.execute(CREATE, {"input": NEW}, bearer(2, ADMIN))
    created = body["data"]["createProduct"]
    assert created["sku"] == "SKU-NEW-1" and created["price"] == {"amount": 12999, "currency": "USD"}
    assert await _count(catalog) == before + 1
    read = await catalog.execute('query($s: String) { product(sku: $s) { id name } }', {"s": "SKU-NEW-1"})
    assert read["data"]["product"] == {"id": created["id"], "name": "Brass Telescope"}


async def test_invalid_products_write_nothing(catalog):
    before = await _count(catalog)
    cases = [
        ({**NEW, "name": "  "}, "name must not be empty"),
        ({**NEW, "price": {"amount": -1}}, "must not be negative"),
        ({**NEW, "weight": 0}, "positive number of grams"),
        ({**NEW, "categoryId": "999"}, "Unknown category"),
        ({**NEW, "sku": "SKU-00001"}, "already exists"),
        ({**NEW, "price": {"amount": 1, "currency": "dollars"}}, "ISO 4217"),
    ]
    for value, message in cases:
        body = await catalog.execute(CREATE, {"input": value}, bearer(2, ADMIN))
        assert body["data"] is None and message in body["errors"][0]["message"], body
    assert await _count(catalog) == before


async def test_writes_need_the_catalog_write_scope(catalog):
    body = await catalog.execute(CREATE, {"input": NEW})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await catalog.execute(CREATE, {"input": NEW}, bearer(1, scopes.SHOPPER))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await catalog.execute(ADJUST, {"id": "1", "d": 5}, bearer(1, scopes.SHOPPER))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_bad_token_is_a_401(catalog):
    resp = await catalog.client.post("/graphql", json={"query": COUNT}, headers={"Authorization": "Bearer x.y.z"})
    assert resp.status == 401 and "Bearer" in resp.headers["WWW-Authenticate"]
    assert (await resp.json())["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_update_product(catalog):
    body = await catalog.execute(UPDATE, {"id": "2", "input": {"name": "Renamed", "weight": 10}}, bearer(2, ADMIN))
    assert body["data"]["updateProduct"] == {"id": "2", "name": "Renamed", "weight": 10}
    body = await catalog.execute(UPDATE, {"id": "99999", "input": {"name": "x"}}, bearer(2, ADMIN))
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_adjust_stock_never_goes_negative(catalog):
    stock = (await catalog.execute('{ product(id: "1") { stock } }', headers=bearer(2, ADMIN)))["data"]["product"]["stock"]
    body = await catalog.execute(ADJUST, {"id": "1", "d": 3}, bearer(2, ADMIN))
    assert body["data"]["adjustStock"]["stock"] == stock + 3
    body = await catalog.execute(ADJUST, {"id": "1", "d": -(stock + 4)}, bearer(2, ADMIN))
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_STOCK"
    assert (await catalog.execute('{ product(id: "1") { stock } }', headers=bearer(2, ADMIN)))["data"]["product"]["stock"] == stock + 3
    anonymous = await catalog.execute('{ product(id: "1") { name stock } }')
    assert anonymous["data"]["product"] == {"name": anonymous["data"]["product"]["name"], "stock": None}
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_get_runs_queries_but_never_mutations(catalog):
    resp = await catalog.client.get("/graphql", params={"query": COUNT})
    assert resp.status == 200 and (await resp.json())["data"]["products"]["totalCount"] > 0
    resp = await catalog.client.get("/graphql", params={"query": 'mutation { adjustStock(productId: "1", delta: 1) { id } }'})
    assert resp.status in (400, 405)


@pytest.mark.parametrize("params", mutation_over_get('mutation { adjustStock(productId: "1", delta: 5) { stock } }'))
async def test_get_refuses_a_mutation_and_changes_no_stock(catalog, params):
    stock = 'query { product(id: "1") { stock } }'
    before = (await catalog.execute(stock, headers=bearer(2, ADMIN)))["data"]["product"]["stock"]
    headers, _ = await catalog.get(params, bearer(2, ADMIN), status=405)
    assert headers["Allow"] == "POST"
    assert (await catalog.execute(stock, headers=bearer(2, ADMIN)))["data"]["product"]["stock"] == before


async def test_stock_stays_within_the_graphql_int(catalog):
    """Issue 12, finding 9: a delta that would take stock past 2**31 - 1 is refused, so the
    product's stock field can still be answered."""
    stock = (await catalog.execute('{ product(id: "3") { stock } }', headers=bearer(2, ADMIN)))["data"]["product"]["stock"]
    body = await catalog.execute(ADJUST, {"id": "3", "d": 2147483647}, bearer(2, ADMIN))
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "2147483647" in body["errors"][0]["message"]
    after = await catalog.execute('{ product(id: "3") { stock } }', headers=bearer(2, ADMIN))
    assert "errors" not in after and after["data"]["product"]["stock"] == stock
    body = await catalog.execute(ADJUST, {"id": "3", "d": 2147483647 - stock}, bearer(2, ADMIN))
    assert body["data"]["adjustStock"]["stock"] == 2147483647
