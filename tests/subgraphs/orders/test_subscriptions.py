"""orderUpdated and myOrderUpdates over graphql-transport-ws on the orders app: the order now,
then each committed change; only its owner may follow it."""

import pytest

from subgraphs.orders import events
from tests.subgraphs.orders.test_lifecycle import _place, _succeeded
from tests.support.apps import bearer
from tests.support.transport_ws import connect

UPDATED = "subscription($id: ID!) { orderUpdated(id: $id) { id status paidAt } }"
MINE = "subscription { myOrderUpdates { id status } }"


async def test_order_updated_follows_the_lifecycle(orders):
    order_id, total = await _place(orders)
    ws = await connect(orders.client.session, str(orders.client.make_url("/graphql")), headers=bearer(1))
    await ws.subscribe("1", UPDATED, {"id": str(order_id)})
    first = await ws.next("1")
    assert first["data"]["orderUpdated"]["status"] == "PENDING_PAYMENT"
    await events.on_payment_succeeded(orders.db, _succeeded(order_id, 9001, total))
    paid = await ws.next("1")
    assert paid["data"]["orderUpdated"]["status"] == "PAID" and paid["data"]["orderUpdated"]["paidAt"]
    await ws.close()


async def test_my_order_updates_hears_placing_and_paying(orders):
    ws = await connect(orders.client.session, str(orders.client.make_url("/graphql")), headers=bearer(1))
    await ws.subscribe("mine", MINE)
    order_id, total = await _place(orders)
    placed = await ws.next("mine")
    assert placed["data"]["myOrderUpdates"] == {"id": str(order_id), "status": "PENDING_PAYMENT"}
    await events.on_payment_succeeded(orders.db, _succeeded(order_id, 9002, total))
    assert (await ws.next("mine"))["data"]["myOrderUpdates"]["status"] == "PAID"
    await ws.close()


async def test_someone_elses_order_is_refused(orders):
    order_id, _ = await _place(orders)
    ws = await connect(orders.client.session, str(orders.client.make_url("/graphql")), headers=bearer(2))
    await ws.subscribe("1", UPDATED, {"id": str(order_id)})
    refused = await ws.receive()
    assert refused["type"] in ("error", "next"), refused
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN", refused
    await ws.close()


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_change_on_one_replica_reaches_subscribers_on_another(request, redis_url, monkeypatch):
    """Two orders apps on one database and one Redis: the payment applied by one, heard on the other."""
    import uuid

    from tests.support.apps import subgraph_client
    from tests.support.services import unique_schema_prefix

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("GRAFT_EVENTS_STREAM", f"graft:test-{uuid.uuid4().hex[:8]}:events")
    monkeypatch.setenv("GRAFT_JOBS", "0")
    url, prefix = request.getfixturevalue("postgres_url"), unique_schema_prefix()
    async with subgraph_client("orders", url, prefix) as one, subgraph_client("orders", url, prefix) as two:
        order_id, total = await _place(one)
        ws = await connect(two.client.session, str(two.client.make_url("/graphql")), headers=bearer(1))
        await ws.subscribe("1", UPDATED, {"id": str(order_id)})
        assert (await ws.next("1"))["data"]["orderUpdated"]["status"] == "PENDING_PAYMENT"
        await events.on_payment_succeeded(one.db, _succeeded(order_id, 9003, total))
        assert (await ws.next("1"))["data"]["orderUpdated"]["status"] == "PAID"
        await ws.close()
