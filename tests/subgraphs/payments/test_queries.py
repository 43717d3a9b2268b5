from subgraphs.common import seeddata
from tests.support.apps import ADMIN, bearer

ORDER_PAYMENTS = """
query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id paymentStatus
  payments { id status provider amount { amount currency } order { id } refunds { amount { amount } } } } } }"""


def _order_reps(*ids: int) -> dict:
    return {"r": [{"__typename": "Order", "id": str(i)} for i in ids]}


async def test_order_payment_status_follows_the_seed(payments):
    by_order = {p.order_id: p for p in seeddata.payments()}
    body = await payments.execute(ORDER_PAYMENTS, _order_reps(1, 4, 5), bearer(2, ADMIN))
    paid, cancelled, placed = body["data"]["_entities"]
    assert paid["paymentStatus"] == "PAID"
    assert paid["payments"][0]["amount"] == {"amount": by_order[1].amount, "currency": "USD"}
    assert paid["payments"][0]["order"] == {"id": "1"}
    assert cancelled["paymentStatus"] == "REFUNDED" and cancelled["payments"][0]["refunds"][0]["amount"]["amount"] == by_order[4].amount
    assert placed == {"id": "5", "paymentStatus": "UNPAID", "payments": []}


async def test_only_the_buyer_or_payment_admins_see_payments(payments):
    order = seeddata.orders()[0]
    mine = await payments.execute(ORDER_PAYMENTS, _order_reps(1), bearer(order.buyer_id))
    assert mine["data"]["_entities"][0]["paymentStatus"] == "PAID"
    theirs = await payments.execute(ORDER_PAYMENTS, _order_reps(1), bearer(order.buyer_id % 60 + 1))
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await payments.execute('{ payment(id: "1") { id } }')
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_payment_entities_with_unknown_ids(payments):
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id status } } }"
    reps = [{"__typename": "Payment", "id": "1"}, {"__typename": "Payment", "id": "99999"}]
    body = await payments.execute(query, {"r": reps}, bearer(2, ADMIN))
    assert body["data"]["_entities"] == [{"id": "1", "status": "SUCCEEDED"}, None]


async def test_statements_constant_for_100_orders(payments):
    before = payments.db.statement_count
    body = await payments.execute(ORDER_PAYMENTS, _order_reps(*range(1, 101)), bearer(2, ADMIN))
    assert len(body["data"]["_entities"]) == 100 and "errors" not in body
    assert payments.db.statement_count - before <= 3
