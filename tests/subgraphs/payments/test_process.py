from tests.support.apps import bearer
from tests.support.processes import post_graphql, start_graft


def test_payments_process_pays_through_the_orders_process(tmp_path, orders_process):
    env = {"GRAFT_DATA_DIR": str(tmp_path),  # USERS_URL, the session's users service, is inherited
           "ORDERS_URL": orders_process.graphql_url}
    service = start_graft("payments", ["subgraph", "payments"], env, tmp_path)
    try:
        sdl = post_graphql(service.graphql_url, "{ _service { sdl } }")["data"]["_service"]["sdl"]
        assert 'type Payment @key(fields: "id")' in sdl and 'type Order @key(fields: "id")' in sdl
        body = post_graphql(service.graphql_url, 'mutation { payOrder(orderId: "20", paymentMethod: "pm_card_visa") { id status } }',
                            headers=bearer(1))
        assert body["data"]["payOrder"]["status"] == "SUCCEEDED"
        reps = [{"__typename": "Order", "id": "20"}, {"__typename": "Payment", "id": body["data"]["payOrder"]["id"]}]
        body = post_graphql(service.graphql_url,
                            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { paymentStatus } ... on Payment { status } } }",
                            {"r": reps}, bearer(1))
        assert body["data"]["_entities"] == [{"paymentStatus": "PAID"}, {"status": "SUCCEEDED"}]
    finally:
        service.stop()
