ENTITIES = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Product { id sku name category { name } }
    ... on Category { id slug products(first: 3) { edges { node { id } } } }
  }
}"""


async def test_entities_by_both_keys_with_unknown_keys_null(catalog):
    reps = [
        {"__typename": "Product", "id": "3"},
        {"__typename": "Product", "sku": "SKU-00005"},
        {"__typename": "Product", "id": "99999"},
        {"__typename": "Product", "sku": "NOPE"},
        {"__typename": "Category", "id": "2"},
        {"__typename": "Category", "id": "404"},
    ]
    body = await catalog.execute(ENTITIES, {"r": reps})
    entities = body["data"]["_entities"]
    assert [e and e.get("id") for e in entities] == ["3", "5", None, None, "2", None]
    assert entities[1]["sku"] == "SKU-00005"
    assert entities[4]["slug"] == "electronics"
    assert [e["node"]["id"] for e in entities[4]["products"]["edges"]] == ["2", "14", "26"]


async def test_service_sdl_declares_both_product_keys(catalog):
    sdl = (await catalog.execute("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert 'type Product @key(fields: "id") @key(fields: "sku")' in sdl
    assert 'type Category @key(fields: "id")' in sdl
    assert "type Money @shareable" in sdl
