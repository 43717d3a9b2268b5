from subgraphs.common import seeddata
from subgraphs.common.seeddata import shipping_for_weight
from tests.support.apps import ADMIN, bearer

ORDER = """
query($id: ID!) {
  order(id: $id) {
    id number status buyer { id } subtotal { amount currency } shipping { amount } total { amount }
    createdAt items { product { id sku } quantity unitPrice { amount } }
  }
}"""
USER_ORDERS = """
query($r: [_Any!]!, $first: Int!, $after: String) {
  _entities(representations: $r) { ... on User { id orders(first: $first, after: $after) {
    totalCount edges { cursor node { id number } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }
}"""


def _seeded(order_id: int):
    return seeddata.orders()[order_id - 1]


async def test_buyer_reads_their_order_with_snapshotted_items(orders):
    seeded = _seeded(10)
    body = await orders.execute(ORDER, {"id": "10"}, bearer(seeded.buyer_id))
    order = body["data"]["order"]
    assert order["number"] == seeded.number and order["status"] == seeded.status
    assert order["buyer"] == {"id": str(seeded.buyer_id)}
    assert order["subtotal"] == {"amount": seeded.subtotal, "currency": "USD"}
    assert order["total"]["amount"] == seeded.total == seeded.subtotal + order["shipping"]["amount"]
    products = {p.id: p for p in seeddata.products()}
    assert order["items"] == [
        {"product": {"id": str(i.product_id), "sku": products[i.product_id].sku}, "quantity": i.quantity,
         "unitPrice": {"amount": i.unit_price}}
        for i in seeded.items
    ]


async def test_others_orders_are_forbidden_and_admin_sees_all(orders):
    seeded = _seeded(10)
    other = seeded.buyer_id % 60 + 1
    body = await orders.execute(ORDER, {"id": "10"}, bearer(other))
    assert body["data"]["order"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await orders.execute(ORDER, {"id": "10"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await orders.execute(ORDER, {"id": "10"}, bearer(2, ADMIN))
    assert body["data"]["order"]["id"] == "10"
    assert (await orders.execute(ORDER, {"id": "999999"}, bearer(2, ADMIN)))["data"]["order"] is None


async def test_user_orders_connection_newest_first(orders):
    mine = sorted((o.id for o in seeddata.orders() if o.buyer_id == 1), reverse=True)
    seen, after = [], None
    while True:
        body = await orders.execute(USER_ORDERS, {"r": [{"__typename": "User", "id": "1"}], "first": 7, "after": after}, bearer(1))
        page = body["data"]["_entities"][0]["orders"]
        assert page["totalCount"] == len(mine)
        seen += [int(e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == mine


async def test_user_orders_only_for_that_user(orders):
    body = await orders.execute(USER_ORDERS, {"r": [{"__typename": "User", "id": "1"}], "first": 5}, bearer(3))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_shipping_estimate_requires_weight(orders):
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id shippingEstimate { amount currency } } } }"
    body = await orders.execute(query, {"r": [{"__typename": "Product", "id": "1", "weight": 1500}]})
    assert body["data"]["_entities"] == [{"id": "1", "shippingEstimate": {"amount": shipping_for_weight(1500), "currency": "USD"}}]
    body = await orders.execute(query, {"r": [{"__typename": "Product", "id": "1"}]})
    assert "weight must come with the representation" in body["errors"][0]["message"]


async def test_order_entities_with_unknown_ids(orders):
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id total { amount } } } }"
    reps = [{"__typename": "Order", "id": "1"}, {"__typename": "Order", "id": "987654"}, {"__typename": "Order", "id": "2"}]
    body = await orders.execute(query, {"r": reps}, bearer(2, ADMIN))
    assert [e and e["id"] for e in body["data"]["_entities"]] == ["1", None, "2"]


async def test_statements_constant_for_100_orders_with_items(orders):
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id items { quantity product { sku } } buyer { id } } } }"""
    before = orders.db.statement_count
    reps = [{"__typename": "Order", "id": str(i)} for i in range(1, 101)]
    body = await orders.execute(query, {"r": reps}, bearer(2, ADMIN))
    assert all(body["data"]["_entities"]) and "errors" not in body
    assert orders.db.statement_count - before <= 3


async def test_order_for_payment_is_for_the_payments_service_only(orders):
    """Issue 12, finding 8: payments reads any order with orders:pay; a shopper or an admin
    calling orders directly cannot use that door."""
    from auth import scopes
    from tests.support.apps import ADMIN, bearer, service_bearer

    query = '{ orderForPayment(id: "10") { id buyer { id } total { amount } } }'
    for headers, code in (({}, "UNAUTHENTICATED"), (bearer(1), "FORBIDDEN"), (bearer(2, ADMIN), "FORBIDDEN")):
        body = await orders.execute(query, headers=headers)
        assert body["data"]["orderForPayment"] is None and body["errors"][0]["extensions"]["code"] == code
    body = await orders.execute(query, headers=service_bearer("payments", [scopes.ORDERS_PAY]))
    assert body["data"]["orderForPayment"]["id"] == "10"
