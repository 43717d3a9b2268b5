"""SQL statements per request stay constant however many entities a query touches."""

QUERY = """
query($r: [_Any!]!) {
  _entities(representations: $r) { ... on Product { id name category { name products(first: 2) { totalCount edges { node { sku } } } } } }
  categories { products(first: 20) { totalCount edges { node { category { slug } } } } }
}"""


async def _statements(catalog, count: int) -> int:
    reps = [{"__typename": "Product", "id": str(i)} for i in range(1, count + 1)]
    before = catalog.db.statement_count
    body = await catalog.execute(QUERY, {"r": reps})
    assert "errors" not in body and len(body["data"]["_entities"]) == count
    return catalog.db.statement_count - before


async def test_statements_do_not_grow_with_entities(catalog):
    few, many = await _statements(catalog, 5), await _statements(catalog, 240)
    # batches, not rows: both stay under the same small constant
    assert few <= 8 and many <= 8


async def test_a_product_page_reads_the_product_and_its_category_in_one_statement(catalog):
    before = catalog.db.statement_count
    body = await catalog.execute('{ product(sku: "SKU-00042") { name category { id name slug } } }')
    assert "errors" not in body and body["data"]["product"]["category"]["name"]
    assert catalog.db.statement_count - before == 1
    category = body["data"]["product"]["category"]
    listed = await catalog.execute("{ categories { id name slug } }")
    assert category in listed["data"]["categories"]  # the same fields the category's own read gives
