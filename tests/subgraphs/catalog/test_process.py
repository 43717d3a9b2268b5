from tests.support.processes import post_graphql as _post
from tests.support.processes import start_graft


def test_catalog_process_serves_service_and_entities(tmp_path):
    service = start_graft("catalog", ["subgraph", "catalog"], {"GRAFT_DATA_DIR": str(tmp_path)}, tmp_path)
    try:
        sdl = _post(service.graphql_url, "{ _service { sdl } }")["data"]["_service"]["sdl"]
        assert '@key(fields: "sku")' in sdl
        reps = [{"__typename": "Product", "sku": "SKU-00010"}, {"__typename": "Category", "id": "1"}]
        body = _post(service.graphql_url,
                     "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } ... on Category { slug } } }",
                     {"r": reps})
        assert body["data"]["_entities"] == [{"id": "10"}, {"slug": "books"}]
        assert (tmp_path / "catalog.db").exists()
    finally:
        service.stop()
