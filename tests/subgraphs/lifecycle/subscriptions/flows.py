"""What the subscription tests do to the marketplace: a product, an order for it, its payment."""

from __future__ import annotations

from tests.subgraphs.lifecycle.client import Marketplace
from tests.subgraphs.lifecycle.test_paths import PAY, _place, _product

ORDER_UPDATED = """subscription($id: ID!) { orderUpdated(id: $id) {
  id status paymentStatus items { quantity product { name } } } }"""


async def placed_order(market: Marketplace) -> tuple[str, str, str]:
    """(shopper token, order id, product name) for a new order of a new product."""
    shopper = await market.sign_in()
    admin = await market.sign_in("admin@example.com", "babbage-1822")
    product = await _product(market, admin, stock=5)
    order = await _place(market, shopper, product)
    return shopper, order["id"], "Lifecycle Lamp"


async def pay(market: Marketplace, shopper: str, order_id: str) -> None:
    paid = (await market.data(PAY, {"id": order_id, "method": "pm_card_visa"}, shopper))["payOrder"]
    assert paid["status"] == "SUCCEEDED", paid


def assert_paid_with_entities(results: list[dict], name: str) -> None:
    """The last result is the paid order, with its product's name (catalog) and payment status
    (payments) beside orders' own fields; none carried errors."""
    assert all("errors" not in r for r in results), results
    last = results[-1]["data"]["orderUpdated"]
    assert last["status"] == "PAID" and last["paymentStatus"] == "PAID", results
    assert last["items"][0]["product"]["name"] == name, results
