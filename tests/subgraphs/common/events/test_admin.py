"""`graft events list | retry ID | drop ID` against the services' databases and Redis, found
through the environment as the services find them."""

import asyncio
from datetime import datetime, timezone

import pytest
import redis.asyncio as aioredis
from sqlalchemy import select, update

from router.cli import main
from subgraphs.common.events import Event
from subgraphs.common.events.envelope import OrderPaid
from subgraphs.common.events.store import EventDelivery, OutboxEvent
from tests.support.events import close_database, open_database, publish_paid


@pytest.fixture
def stack(tmp_path, monkeypatch, redis_url, redis_prefix):
    """The orders service's database with one dead HTTP delivery, and one Redis dead letter."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    stream = f"{redis_prefix}events"
    monkeypatch.setenv("ORDERS_DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("GRAFT_EVENTS_STREAM", stream)

    async def prepare() -> tuple[str, str]:
        db = await open_database(url)
        dead, waiting = await publish_paid(db, 2)
        async with db.session() as session, session.begin():
            session.add(EventDelivery(event_id=dead.id, consumer="catalog", state="dead", attempts=5,
                                      last_error="catalog answered HTTP 500:\n{...}"))
            await session.execute(update(OutboxEvent).where(OutboxEvent.event_id == dead.id)
                                  .values(published_at=datetime.now(timezone.utc)))
        await close_database(db)
        redis = aioredis.from_url(redis_url)
        event = Event.new("payments", OrderPaid(order_id=1, reservation_id=None, payment_id=1))
        letter = await redis.xadd(f"{stream}:dead", {"event": event.to_json(), "group": "orders",
                                                     "error": "RuntimeError: boom", "attempts": 5})
        await redis.aclose()
        return f"orders/{dead.id}/catalog", letter.decode()

    http_id, redis_id = asyncio.run(prepare())
    return {"url": url, "stream": stream, "redis_url": redis_url, "http": http_id, "redis": redis_id}


def test_list_shows_both_transports_dead_letters_and_the_backlog(stack, capsys):
    assert main(["events", "list"]) == 0
    out = capsys.readouterr().out
    assert "2 dead letter(s):" in out
    assert stack["http"] in out and stack["redis"] in out
    assert "catalog answered HTTP 500: {...}" in out and "RuntimeError: boom" in out
    assert "unpublished outbox events: orders 1" in out

    assert main(["events", "list", "--service", "catalog"]) == 0
    out = capsys.readouterr().out
    assert stack["http"] in out and stack["redis"] not in out


def test_retry_and_drop(stack, capsys):
    assert main(["events", "retry", stack["http"]]) == 0
    assert main(["events", "drop", stack["redis"]]) == 0
    assert capsys.readouterr().out == f"re-queued {stack['http']}\ndropped {stack['redis']}\n"
    assert main(["events", "drop", stack["redis"]]) == 1
    assert "no dead letter" in capsys.readouterr().err
    assert main(["events", "list"]) == 0
    out = capsys.readouterr().out
    assert "no dead letters" in out and "orders 2" in out  # the retried event is offered again

    async def state() -> str:
        db = await open_database(stack["url"])
        async with db.session() as session:
            found = await session.scalar(select(EventDelivery.state))
        await close_database(db)
        return found

    assert asyncio.run(state()) == "pending"


def test_redis_retry_sends_the_envelope_again_for_its_group(stack, capsys):
    assert main(["events", "retry", stack["redis"]]) == 0

    async def entries():
        redis = aioredis.from_url(stack["redis_url"])
        found = await redis.xrange(stack["stream"]), await redis.xlen(f"{stack['stream']}:dead")
        await redis.aclose()
        return found

    [(_, fields)], dead = asyncio.run(entries())
    assert fields[b"group"] == b"orders" and dead == 0


@pytest.mark.parametrize(("argv", "code", "says"), [
    (["events", "retry"], 2, "takes a dead letter's ID"),
    (["events", "retry", "../etc/passwd"], 2, "is not a dead letter id"),
    (["events", "drop", "orders/abc/catalog"], 1, "no dead letter"),
])
def test_bad_ids(stack, capsys, argv, code, says):
    assert main(argv) == code
    assert says in capsys.readouterr().err
