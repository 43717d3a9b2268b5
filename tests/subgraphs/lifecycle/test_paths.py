"""Each path of an order's life, end to end through the router, as the storefront, the fulfilment
partner and the payment provider drive it; stock and money checked to balance after each."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

from tests.subgraphs.lifecycle.client import Marketplace, balances
from tests.support.eventually import eventually

PLACE = "mutation($items: [OrderItemInput!]!) { placeOrder(items: $items) { id status total { amount } expiresAt } }"
PAY = """mutation($id: ID!, $method: String!) { payOrder(orderId: $id, paymentMethod: $method) {
  id status nextAction { type redirectUrl } } }"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status } }"
CREATE = """mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }"""


async def _tokens(market: Marketplace) -> tuple[str, str]:
    return await market.sign_in(), await market.sign_in("admin@example.com", "babbage-1822")


async def _product(market: Marketplace, admin: str, stock: int) -> str:
    data = await market.data(CREATE, {"input": {"sku": f"SKU-LIFE-{uuid.uuid4().hex[:8]}", "name": "Lifecycle Lamp",
                                                "categoryId": "1", "weight": 500, "stock": stock,
                                                "price": {"amount": 2500, "currency": "USD"}}}, admin)
    market.created_stock[int(data["createProduct"]["id"])] = stock
    return data["createProduct"]["id"]


async def _place(market: Marketplace, token: str, product: str, quantity: int = 1) -> dict:
    return (await market.data(PLACE, {"items": [{"productId": product, "quantity": quantity}]}, token))["placeOrder"]


async def _balanced(market: Marketplace) -> dict:
    """Once every event has been applied: what is taken is what is held, what is kept is what is owed."""
    def settled(b: dict) -> bool:
        return b["taken"] == b["held"] and b["captured"] - b["refunded"] == b["owed"] and not b["unsettled"]
    return await eventually(lambda: balances(market), settled, timeout=20)


async def test_place_pay_fulfil_ship_deliver(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=5)
    order = await _place(marketplace, shopper, product, 2)
    assert order["status"] == "PENDING_PAYMENT" and order["expiresAt"]
    paid = (await marketplace.data(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper))["payOrder"]
    assert paid["status"] == "SUCCEEDED" and paid["nextAction"] is None
    await marketplace.order_becomes(order["id"], shopper, "PAID")
    partner = await marketplace.client_token("swift-fulfilment", "swift-fulfilment-secret")
    steps = {"fulfilOrder": 'fulfilOrder(id: $id) { status }',
             "shipOrder": 'shipOrder(id: $id, carrier: "DHL", trackingNumber: "JD014600006") { status }',
             "deliverOrder": 'deliverOrder(id: $id) { status }'}
    refused = await marketplace.graphql(f"mutation($id: ID!) {{ {steps['fulfilOrder']} }}", {"id": order["id"]}, shopper)
    assert refused["errors"][0]["extensions"]["code"] in ("UNAUTHORIZED", "FORBIDDEN"), refused
    for name, field in steps.items():
        data = await marketplace.data(f"mutation($id: ID!) {{ {field} }}", {"id": order["id"]}, partner)
        assert data[name]["status"] == {"fulfilOrder": "FULFILLED", "shipOrder": "SHIPPED", "deliverOrder": "DELIVERED"}[name]
    assert await marketplace.stock(int(product), admin) == 3
    await _balanced(marketplace)


async def test_an_unpaid_order_expires_and_its_stock_returns(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=3)
    order = await _place(marketplace, shopper, product, 2)
    assert await marketplace.stock(int(product), admin) == 1
    expired = await marketplace.order_becomes(order["id"], shopper, "CANCELLED", timeout=30)
    assert expired["cancellationReason"] == "EXPIRED"
    await eventually(lambda: marketplace.stock(int(product), admin), lambda stock: stock == 3)
    late = await marketplace.graphql(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper)
    assert late["errors"][0]["extensions"]["code"] == "CONFLICT", late
    await _balanced(marketplace)


async def test_cancelling_a_paid_order_refunds_it_and_returns_the_stock(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=4)
    order = await _place(marketplace, shopper, product, 3)
    await marketplace.data(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper)
    await marketplace.order_becomes(order["id"], shopper, "PAID")
    cancelled = (await marketplace.data(CANCEL, {"id": order["id"]}, shopper))["cancelOrder"]
    assert cancelled["status"] == "CANCELLED"
    refunded = await marketplace.order_becomes(order["id"], shopper, "REFUNDED")
    assert refunded["refunded"] == refunded["total"] and refunded["paymentStatus"] == "REFUNDED"
    assert [p["status"] for p in refunded["payments"]] == ["REFUNDED"]
    await eventually(lambda: marketplace.stock(int(product), admin), lambda stock: stock == 4)
    await _balanced(marketplace)


async def test_pay_and_cancel_at_the_same_moment_never_keeps_the_money(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=10)
    outcomes = []
    for _ in range(8):
        order = await _place(marketplace, shopper, product)
        pay, cancel = await asyncio.gather(
            marketplace.graphql(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper),
            marketplace.graphql(CANCEL, {"id": order["id"]}, shopper))
        final = await eventually(lambda: marketplace.order(order["id"], shopper),
                                 lambda o: o["status"] in ("PAID", "REFUNDED") or (
                                     o["status"] == "CANCELLED" and all(p["status"] in ("FAILED", "CANCELED")
                                                                        for p in o["payments"])), timeout=20)
        outcomes.append(final["status"])
        if final["status"] != "PAID":
            assert all(p["status"] != "SUCCEEDED" for p in final["payments"]), final
    await _balanced(marketplace)
    print("pay/cancel race outcomes:", {s: outcomes.count(s) for s in set(outcomes)})


async def test_twenty_shoppers_on_a_stock_of_three_get_three_orders(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=3)
    answers = await asyncio.gather(*(marketplace.graphql(PLACE, {"items": [{"productId": product, "quantity": 1}]},
                                                         shopper) for _ in range(20)))
    placed = [a for a in answers if a.get("data") and a["data"]["placeOrder"]]
    refused = [a["errors"][0]["extensions"]["code"] for a in answers if a.get("errors")]
    assert len(placed) == 3 and refused == ["INSUFFICIENT_STOCK"] * 17, answers
    assert await marketplace.stock(int(product), admin) == 0


async def test_a_catalog_stalled_during_place_order_holds_nothing_once_swept(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=3)
    catalog = marketplace.subgraphs["catalog"].process
    os.kill(catalog.pid, signal.SIGSTOP)
    try:
        stalled = await marketplace.graphql(PLACE, {"items": [{"productId": product, "quantity": 2}]}, shopper)
    finally:
        os.kill(catalog.pid, signal.SIGCONT)
    assert stalled["data"] is None and stalled["errors"], stalled
    await eventually(lambda: marketplace.stock(int(product), admin), lambda stock: stock == 3, timeout=20)
    await _balanced(marketplace)



async def test_a_partial_refund_then_the_rest(marketplace: Marketplace):
    shopper, admin = await _tokens(marketplace)
    product = await _product(marketplace, admin, stock=2)
    order = await _place(marketplace, shopper, product)
    payment = (await marketplace.data(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper))["payOrder"]
    await marketplace.order_becomes(order["id"], shopper, "PAID")
    refund = "mutation($id: ID!, $amount: MoneyInput) { refundPayment(id: $id, amount: $amount) { status } }"
    denied = await marketplace.graphql(refund, {"id": payment["id"], "amount": {"amount": 500}}, shopper)
    assert denied["errors"][0]["extensions"]["code"] in ("UNAUTHORIZED", "FORBIDDEN"), denied
    part = await marketplace.data(refund, {"id": payment["id"], "amount": {"amount": 500}}, admin)
    assert part["refundPayment"]["status"] == "PARTIALLY_REFUNDED"
    partly = await marketplace.order_becomes(order["id"], shopper, "PARTIALLY_REFUNDED")
    assert partly["refunded"]["amount"] == 500
    await _balanced(marketplace)
    rest = await marketplace.data(refund, {"id": payment["id"]}, admin)
    assert rest["refundPayment"]["status"] == "REFUNDED"
    done = await marketplace.order_becomes(order["id"], shopper, "REFUNDED")
    assert done["refunded"] == done["total"]
    await _balanced(marketplace)
