from subgraphs.common import seeddata
from tests.support.apps import ADMIN, bearer

REFUND = "mutation($id: ID!, $amount: MoneyInput) { refundPayment(id: $id, amount: $amount) { id status refunds { amount { amount } } } }"
STATUS = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { paymentStatus } } }'


async def test_partial_then_full_refund_and_never_more(payments):
    paid = seeddata.payments()[0]
    body = await payments.execute(REFUND, {"id": str(paid.id), "amount": {"amount": 100}}, bearer(2, ADMIN))
    assert body["data"]["refundPayment"]["status"] == "PARTIALLY_REFUNDED"
    over = await payments.execute(REFUND, {"id": str(paid.id), "amount": {"amount": paid.amount}}, bearer(2, ADMIN))
    assert over["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    rest = await payments.execute(REFUND, {"id": str(paid.id)}, bearer(2, ADMIN))
    refunds = rest["data"]["refundPayment"]["refunds"]
    assert rest["data"]["refundPayment"]["status"] == "REFUNDED"
    assert [r["amount"]["amount"] for r in refunds] == [100, paid.amount - 100]
    again = await payments.execute(REFUND, {"id": str(paid.id)}, bearer(2, ADMIN))
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    status = await payments.execute(STATUS, {"r": [{"__typename": "Order", "id": str(paid.order_id)}]}, bearer(2, ADMIN))
    assert status["data"]["_entities"][0]["paymentStatus"] == "REFUNDED"


async def test_refunds_need_payments_admin_and_valid_amounts(payments):
    paid = seeddata.payments()[1]
    order = seeddata.orders()[paid.order_id - 1]
    denied = await payments.execute(REFUND, {"id": str(paid.id)}, bearer(order.buyer_id))
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for amount in ({"amount": 0}, {"amount": -5}, {"amount": 10, "currency": "EUR"}):
        body = await payments.execute(REFUND, {"id": str(paid.id), "amount": amount}, bearer(2, ADMIN))
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", amount
    unknown = await payments.execute(REFUND, {"id": "424242"}, bearer(2, ADMIN))
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    still = await payments.execute('query($id: ID!) { payment(id: $id) { status refunds { id } } }', {"id": str(paid.id)}, bearer(2, ADMIN))
    assert still["data"]["payment"] == {"status": "SUCCEEDED", "refunds": []}
