from tests.support.apps import bearer
from tests.support.processes import post_graphql, start_graft


def test_orders_process_places_an_order_through_the_catalog_process(tmp_path, catalog_process, monkeypatch):
    env = {"GRAFT_DATA_DIR": str(tmp_path),  # USERS_URL, the session's users service, is inherited
           "CATALOG_URL": catalog_process.graphql_url}
    service = start_graft("orders", ["subgraph", "orders"], env, tmp_path)
    try:
        sdl = post_graphql(service.graphql_url, "{ _service { sdl } }")["data"]["_service"]["sdl"]
        assert '@requires(fields: "weight")' in sdl and '@provides(fields: "sku")' in sdl
        body = post_graphql(service.graphql_url,
                            'mutation { placeOrder(items: [{productId: "40", quantity: 1}]) { id items { product { sku } } } }',
                            headers=bearer(1))
        order_id = body["data"]["placeOrder"]["id"]
        reps = [{"__typename": "Order", "id": order_id}, {"__typename": "Order", "id": "0"}]
        body = post_graphql(service.graphql_url,
                            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }",
                            {"r": reps}, bearer(1))
        assert body["data"]["_entities"][0] == {"id": order_id, "status": "PENDING_PAYMENT"}
        assert "not a valid id" in body["errors"][0]["message"]
    finally:
        service.stop()
