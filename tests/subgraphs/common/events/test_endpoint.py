import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from auth import scopes
from subgraphs.common.events import Event
from subgraphs.common.events.envelope import OrderPaid, StockCommitted
from tests.support.apps import bearer, service_bearer
from tests.support.events import Recorder, effects, events_app


def deliverer() -> dict[str, str]:
    return service_bearer("orders", [scopes.EVENTS_DELIVER])


@pytest.fixture
async def consumer(sqlite_db):
    recorder = Recorder(sqlite_db)
    async with TestClient(TestServer(events_app("catalog", sqlite_db, recorder.handlers()))) as client:
        yield client, recorder


def paid() -> Event:
    return Event.new("orders", OrderPaid(order_id=1, reservation_id="r1", payment_id=2))


@pytest.mark.parametrize(("headers", "status"), [
    (lambda: {}, 401),
    (lambda: {"Authorization": "Bearer not-a-token"}, 401),
    (lambda: bearer(1, scopes.SHOPPER), 403),
    (lambda: bearer(1, scopes.ADMIN_SCOPES), 403),  # admin does not imply a service-only scope
    (lambda: service_bearer("payments", [scopes.ORDERS_PAY]), 403),
], ids=["none", "garbage", "shopper", "admin", "other-service-scope"])
async def test_events_need_a_service_token_with_events_deliver(consumer, headers, status):
    client, recorder = consumer
    resp = await client.post("/events", data=paid().to_json(), headers=headers())
    body = await resp.json()
    assert (resp.status, resp.content_type) == (status, "application/json")
    assert set(body) == {"error", "message"} and "not-a-token" not in body["message"]
    assert recorder.calls == []


@pytest.mark.parametrize("raw", [
    b"", b"not json <script>", b"[1, 2]", b'{"id": "e1"}', b"\xff\xfe",
    orjson.dumps({"id": "<script>alert(1)</script>", "type": "order.paid", "source": "orders",
                  "occurred_at": "2026-01-01T00:00:00+00:00", "payload": {}}),
    orjson.dumps({"id": "a" * 33, "type": "order.paid", "source": "orders",
                  "occurred_at": "2026-01-01T00:00:00+00:00", "payload": {}}),
    orjson.dumps({"id": "e1", "type": "order.paid", "source": "orders", "occurred_at": "yesterday",
                  "payload": {}}),
])
async def test_a_malformed_body_is_a_400_that_repeats_nothing(consumer, raw):
    client, recorder = consumer
    resp = await client.post("/events", data=raw, headers=deliverer())
    text = await resp.text()
    assert (resp.status, resp.content_type) == (400, "application/json")
    assert orjson.loads(text) == {"error": "invalid_request", "message": "The body is not an event envelope"}
    assert recorder.calls == []


async def test_an_event_is_applied_once_then_duplicate_and_unhandled_types_ignored(consumer, sqlite_db):
    client, _ = consumer
    event = paid()
    answers = []
    for body in (event.to_json(), event.to_json(), Event.new("catalog", StockCommitted(reservation_id="r")).to_json()):
        resp = await client.post("/events", data=body, headers=deliverer())
        answers.append((resp.status, await resp.json()))
    assert answers == [(200, {"status": "applied"}), (200, {"status": "duplicate"}), (200, {"status": "ignored"})]
    assert await effects(sqlite_db) == {event.id: 1}


async def test_a_failing_handler_is_a_500_that_says_nothing_of_the_cause(consumer, sqlite_db):
    client, recorder = consumer
    recorder.failing = True
    resp = await client.post("/events", data=paid().to_json(), headers=deliverer())
    assert (resp.status, await resp.json()) == (500, {"status": "failed"})
    assert await effects(sqlite_db) == {}
