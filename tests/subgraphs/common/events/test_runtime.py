"""The events runtime inside real subgraph apps (create_app): a producer's relay and a consumer,
over Redis Streams and over HTTP."""

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from auth import scopes
from subgraphs.common.app import DATABASE
from subgraphs.common.events.admin import counts
from tests.support.apps import service_bearer
from tests.support.events import Recorder, effects, events_app, open_database, publish_paid
from tests.support.processes import free_port


async def wait_for(check, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time allowed")


async def test_events_flow_through_redis_between_two_apps(tmp_path, monkeypatch, redis_url, redis_prefix):
    monkeypatch.setenv("GRAFT_EVENTS_STREAM", f"{redis_prefix}events")
    monkeypatch.setenv("GRAFT_EVENTS_RELAY_INTERVAL", "0.05")
    monkeypatch.setenv("GRAFT_EVENTS_BLOCK", "0.1")
    producer_db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    consumer_db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}")
    recorder = Recorder(consumer_db)
    producer = TestClient(TestServer(events_app("orders", producer_db, jobs=True, redis_url=redis_url)))
    consumer = TestClient(TestServer(events_app("catalog", consumer_db, recorder.handlers(), jobs=True,
                                                redis_url=redis_url)))
    async with producer, consumer:
        events = await publish_paid(producer.app[DATABASE], 3)
        await wait_for(lambda: _applied(consumer_db, 3))
        await wait_for(lambda: _published(producer_db, 3))
    assert await effects(consumer_db) == {e.id: 1 for e in events}


async def test_events_flow_over_http_between_two_apps(tmp_path, monkeypatch):
    async def token(request: web.Request) -> web.Response:  # the users service's token endpoint
        signed = service_bearer("orders", [scopes.INVENTORY_RESERVE, scopes.EVENTS_DELIVER])["Authorization"]
        return web.json_response({"access_token": signed.removeprefix("Bearer "), "expires_in": 900})

    issuer = web.Application()
    issuer.router.add_post("/oauth/token", token)
    port = free_port()
    monkeypatch.setenv("CATALOG_URL", f"http://127.0.0.1:{port}/graphql")
    monkeypatch.setenv("GRAFT_EVENTS_RELAY_INTERVAL", "0.05")
    producer_db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    consumer_db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}")
    recorder = Recorder(consumer_db)
    async with TestServer(issuer) as issuing:
        monkeypatch.setenv("GRAFT_TOKEN_URL", str(issuing.make_url("/oauth/token")))
        consumer = TestServer(events_app("catalog", consumer_db, recorder.handlers()), port=port)
        producer = TestServer(events_app("orders", producer_db, jobs=True))
        async with consumer, producer:
            events = await publish_paid(producer_db, 3)
            await wait_for(lambda: _published(producer_db, 3))
    assert await effects(consumer_db) == {e.id: 1 for e in events}
    assert (await counts(consumer_db)).applied == 3


async def _applied(db, n: int) -> bool:
    return (await counts(db)).applied == n


async def _published(db, n: int) -> bool:
    return (await counts(db)).published == n
