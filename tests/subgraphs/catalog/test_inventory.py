import asyncio

import pytest

from auth import scopes
from tests.support.apps import ADMIN, bearer, service_bearer



def orders_service() -> dict[str, str]:
    return service_bearer("orders", [scopes.INVENTORY_RESERVE])

RESERVE = """
mutation($id: ID!, $items: [StockItemInput!]!) {
  reserveStock(reservationId: $id, items: $items) { productId quantity unitPrice { amount } weight sku name }
}"""
RELEASE = "mutation($id: ID!) { releaseStock(reservationId: $id) }"
STOCK = "query($ids: [_Any!]!) { _entities(representations: $ids) { ... on Product { id stock } } }"


async def _stock(catalog, *ids: int) -> dict[str, int]:
    reps = [{"__typename": "Product", "id": str(i)} for i in ids]
    body = await catalog.execute(STOCK, {"ids": reps}, bearer(9, [scopes.INVENTORY_READ]))
    return {e["id"]: e["stock"] for e in body["data"]["_entities"]}


async def test_reserve_takes_stock_once_and_release_returns_it_once(catalog):
    before = await _stock(catalog, 1, 2)
    items = [{"productId": "1", "quantity": 2}, {"productId": "2", "quantity": 1}, {"productId": "1", "quantity": 1}]
    first = await catalog.execute(RESERVE, {"id": "order-abc", "items": items}, orders_service())
    lines = first["data"]["reserveStock"]
    assert [(line["productId"], line["quantity"]) for line in lines] == [("1", 3), ("2", 1)]
    assert lines[0]["sku"] == "SKU-00001" and lines[0]["unitPrice"]["amount"] > 0
    retry = await catalog.execute(RESERVE, {"id": "order-abc", "items": items}, orders_service())
    assert retry["data"]["reserveStock"] == lines
    assert await _stock(catalog, 1, 2) == {"1": before["1"] - 3, "2": before["2"] - 1}
    assert (await catalog.execute(RELEASE, {"id": "order-abc"}, orders_service()))["data"]["releaseStock"] is True
    assert (await catalog.execute(RELEASE, {"id": "order-abc"}, orders_service()))["data"]["releaseStock"] is False
    assert await _stock(catalog, 1, 2) == before


async def test_short_stock_reserves_nothing(catalog):
    before = await _stock(catalog, 1, 17)  # product 17 is seeded out of stock
    items = [{"productId": "1", "quantity": 1}, {"productId": "17", "quantity": 1}]
    body = await catalog.execute(RESERVE, {"id": "order-short", "items": items}, orders_service())
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INSUFFICIENT_STOCK" and error["extensions"]["productId"] == "17"
    assert "SKU-00017" in error["message"]
    assert await _stock(catalog, 1, 17) == before
    assert (await catalog.execute(RELEASE, {"id": "order-short"}, orders_service()))["data"]["releaseStock"] is False


async def test_bad_reservations_are_refused(catalog):
    before = await _stock(catalog, 1)
    cases = [
        ([{"productId": "1", "quantity": 0}], "BAD_USER_INPUT"),
        ([{"productId": "1", "quantity": -2}], "BAD_USER_INPUT"),
        ([{"productId": "99999", "quantity": 1}], "NOT_FOUND"),
        ([{"productId": "abc", "quantity": 1}], "BAD_USER_INPUT"),
        ([], "BAD_USER_INPUT"),
    ]
    for n, (items, code) in enumerate(cases):
        body = await catalog.execute(RESERVE, {"id": f"bad-{n}", "items": items}, orders_service())
        assert body["errors"][0]["extensions"]["code"] == code, body
    assert await _stock(catalog, 1) == before
    anonymous = await catalog.execute(RESERVE, {"id": "anon", "items": [{"productId": "1", "quantity": 1}]})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_concurrent_reservations_never_oversell(catalog):
    stock = (await _stock(catalog, 5))["5"]
    items = [{"productId": "5", "quantity": stock}]
    results = await asyncio.gather(*(
        catalog.execute(RESERVE, {"id": f"race-{n}", "items": items}, orders_service()) for n in range(3)
    ))
    assert sum("errors" not in r for r in results) == 1
    assert (await _stock(catalog, 5))["5"] == 0


async def test_a_reservation_has_a_bounded_number_of_lines(catalog):
    """Issue 12, finding 9: list arguments are bounded before any line is looked at."""
    before = await _stock(catalog, 1)
    items = [{"productId": "1", "quantity": 1}] * 2000
    body = await catalog.execute(RESERVE, {"id": "order-many", "items": items}, orders_service())
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "At most 100 reservation lines" in body["errors"][0]["message"]
    assert await _stock(catalog, 1) == before


@pytest.mark.parametrize("caller", ["anonymous", "shopper", "admin", "partner"])
async def test_only_the_orders_service_holds_or_releases_stock(catalog, caller):
    """Issue 12, finding 8: a shopper's token (orders:write) held 100 units with no order;
    reserveStock and releaseStock now need inventory:reserve, which only orders-service has."""
    headers = {"anonymous": {}, "shopper": bearer(1), "admin": bearer(2, ADMIN),
               "partner": service_bearer("acme-partner", [scopes.CATALOG_READ])}[caller]
    before = await _stock(catalog, 5)
    body = await catalog.execute(RESERVE, {"id": f"direct-{caller}", "items": [{"productId": "5", "quantity": 3}]},
                                 headers)
    assert body["data"] is None, body
    assert body["errors"][0]["extensions"]["code"] == ("UNAUTHENTICATED" if caller == "anonymous" else "FORBIDDEN")
    assert await _stock(catalog, 5) == before
    held = await catalog.execute(RESERVE, {"id": "by-service", "items": [{"productId": "5", "quantity": 1}]},
                                 orders_service())
    assert held["data"]["reserveStock"][0]["quantity"] == 1
    body = await catalog.execute(RELEASE, {"id": "by-service"}, headers)
    assert body["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
    assert (await catalog.execute(RELEASE, {"id": "by-service"}, orders_service()))["data"]["releaseStock"] is True
