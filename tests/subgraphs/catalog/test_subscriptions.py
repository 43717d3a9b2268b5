"""stockChanged over graphql-transport-ws on the catalog app: the product now, then after each
change of its stock; only for inventory readers."""

from tests.support.apps import ADMIN, bearer
from tests.support.transport_ws import connect

STOCK = "subscription($id: ID!) { stockChanged(productId: $id) { id stock inStock } }"
ADJUST = "mutation($id: ID!, $delta: Int!) { adjustStock(productId: $id, delta: $delta) { stock } }"


async def test_stock_changed_after_an_adjustment(catalog):
    ws = await connect(catalog.client.session, str(catalog.client.make_url("/graphql")), headers=bearer(1, ADMIN))
    await ws.subscribe("s", STOCK, {"id": "40"})
    before = (await ws.next("s"))["data"]["stockChanged"]["stock"]
    await catalog.execute(ADJUST, {"id": "40", "delta": 3}, bearer(1, ADMIN))
    assert (await ws.next("s"))["data"]["stockChanged"]["stock"] == before + 3
    await ws.close()


async def test_a_shopper_may_not_follow_stock(catalog):
    ws = await connect(catalog.client.session, str(catalog.client.make_url("/graphql")), headers=bearer(1))
    await ws.subscribe("s", STOCK, {"id": "40"})
    refused = await ws.receive()
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN", refused
    await ws.close()
