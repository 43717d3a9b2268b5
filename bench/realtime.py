"""Subscription figures (`make realtime`), measured on a real stack: the four subgraphs on
PostgreSQL with Redis, `graft serve` with one worker.

1. Latency from publish to client, per protocol (graphql-transport-ws, graphql-sse, multipart):
   a stock change is committed in the catalog's database and its live notice published, as the
   catalog does it, EVENTS times one after another; each is timed until the router's client has
   the shaped result, which includes an entity fetch to orders (shippingEstimate).
2. SUBSCRIPTIONS concurrent subscriptions (WebSocket, 100 per connection) held by the router
   worker: its RSS before and after, and the time until all of them have one change."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from sqlalchemy import update

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token
from bench import graft
from bench.graft import ROOT, Process, free_port
from router.schema_files import SUPERGRAPH
from subgraphs.catalog.inventory import stock_topic
from subgraphs.catalog.models import Base as CatalogBase
from subgraphs.catalog.models import Product
from subgraphs.common.db import Database
from subgraphs.common.live import Broadcast, attach, changed, live_channel

QUERY = 'subscription { stockChanged(productId: "1") { id stock name shippingEstimate { amount } } }'
PRODUCT = 1
PER_CONNECTION = 100


@dataclass
class Stack:
    subgraphs: dict[str, Process]
    router: Process
    token: str
    database: Database
    broadcast: Broadcast

    @property
    def url(self) -> str:
        return f"{self.router.url}/graphql"

    async def publish(self) -> float:
        """One stock change, committed and announced as the catalog does it; perf_counter() then."""
        async with self.database.session() as session, session.begin():
            await session.execute(update(Product).where(Product.id == PRODUCT).values(stock=Product.stock + 1))
            changed(session, stock_topic(PRODUCT))
        return time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def start(base: Path, postgres: str, redis: str) -> Stack:
    ports = {name: free_port() for name in ("catalog", "orders", "users", "payments")}
    prefix, stream = f"rt{uuid.uuid4().hex[:8]}_", f"graft:realtime-{uuid.uuid4().hex[:8]}:events"
    env = {"GRAFT_DATA_DIR": str(base), "DATABASE_URL": postgres, "GRAFT_DB_SCHEMA_PREFIX": prefix,
           "REDIS_URL": redis, "GRAFT_EVENTS_STREAM": stream,
           **{f"{name.upper()}_URL": f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}}
    os.environ["GRAFT_EVENTS_STREAM"] = stream  # this process's notices go where the catalog listens
    subgraphs = {name: graft.start(name, ["subgraph", name], env, base, port) for name, port in ports.items()}
    config = base / "router.yaml"
    config.write_text("subscriptions:\n  max_per_client: 100000\nsubgraphs:\n" + "".join(
        f"  {name}:\n    url: {process.url}/graphql\n" for name, process in subgraphs.items()))
    router = graft.start("router", ["serve", "--supergraph", str(SUPERGRAPH), "--config", str(config)],
                         {"GRAFT_DATA_DIR": str(base)}, base, free_port())
    keys = KeyStore.open(base / "keys" / "signing-keys.json")
    token = issue_access_token(keys, TokenSettings(), subject="2", kind="user", scopes=scopes.ADMIN_SCOPES,
                               client_id="storefront", ttl=3600)
    database = Database(postgres, CatalogBase.metadata, schema=prefix + "catalog")
    broadcast = Broadcast(live_channel("catalog"), redis)
    attach(database.session_class, broadcast)
    await broadcast.start()
    return Stack(subgraphs, router, token, database, broadcast)


Subscribe = Callable[[aiohttp.ClientSession, Stack], AsyncIterator[int]]  # one protocol's results, as they come


async def over_ws(http: aiohttp.ClientSession, stack: Stack, count: int = 1) -> AsyncIterator[int]:
    """graphql-transport-ws: `count` subscriptions on one connection; yields the id of each result."""
    async with http.ws_connect(stack.url, protocols=["graphql-transport-ws"], max_msg_size=0) as ws:
        await ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {stack.token}"}})
        assert (await ws.receive_json())["type"] == "connection_ack"
        for id in range(count):
            await ws.send_json({"id": str(id), "type": "subscribe", "payload": {"query": QUERY}})
        async for message in ws:
            body = orjson.loads(message.data)
            if body["type"] == "next":
                assert "errors" not in body["payload"], body
                yield int(body["id"])
            elif body["type"] in ("error", "complete"):
                raise RuntimeError(f"subscription ended: {body}")


def over_http(accept: str, marker: bytes) -> Subscribe:
    """One subscription over a streamed POST (graphql-sse, Apollo's multipart): each line that
    starts with `marker` is a result."""
    async def over(http: aiohttp.ClientSession, stack: Stack, count: int = 1) -> AsyncIterator[int]:
        headers = {"Accept": accept, "Authorization": f"Bearer {stack.token}"}
        async with http.post(stack.url, json={"query": QUERY}, headers=headers) as response:
            async for line in response.content:
                if line.startswith(marker):
                    assert b'"errors"' not in line, line
                    yield 0

    return over


PROTOCOLS: dict[str, Subscribe] = {
    "graphql-transport-ws": over_ws,
    "graphql-sse": over_http("text/event-stream", b"data: "),
    "multipart": over_http("multipart/mixed;subscriptionSpec=1.0", b'{"payload"'),
}


async def latency(stack: Stack, protocol: str, events: int) -> dict[str, Any]:
    """Milliseconds from publish to the client's result, one event at a time."""
    samples: list[float] = []
    async with aiohttp.ClientSession() as http:
        results = aiter(PROTOCOLS[protocol](http, stack))
        await anext(results)  # the product as it is: subscribed
        for _ in range(events):
            published = await stack.publish()
            await asyncio.wait_for(anext(results), 10)
            samples.append((time.perf_counter() - published) * 1000)
    return {"protocol": protocol, "events": events, "p50_ms": percentile(samples, 50),
            "p99_ms": percentile(samples, 99), "max_ms": max(samples)}


async def concurrent(stack: Stack, subscriptions: int) -> dict[str, Any]:
    """`subscriptions` held at once over WebSocket; the router's RSS, and one change reaching all."""
    idle_mb = stack.router.rss_mb()
    connections = -(-subscriptions // PER_CONNECTION)
    received: list[int] = [0] * connections
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        async def hold(index: int, count: int) -> None:
            async for _ in over_ws(http, stack, count):
                received[index] += 1

        sizes = [min(PER_CONNECTION, subscriptions - i * PER_CONNECTION) for i in range(connections)]
        tasks = [asyncio.create_task(hold(i, size)) for i, size in enumerate(sizes)]
        started = time.perf_counter()
        while sum(received) < subscriptions:  # every one has its first result: all are open
            await asyncio.sleep(0.05)
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"only {sum(received)} of {subscriptions} subscriptions opened")
        opened_s = time.perf_counter() - started
        await asyncio.sleep(2)
        held_mb = stack.router.rss_mb()
        published = await stack.publish()
        while sum(received) < 2 * subscriptions:
            await asyncio.sleep(0.001)
        fan_out_ms = (time.perf_counter() - published) * 1000
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"subscriptions": subscriptions, "connections": connections, "open_s": opened_s,
            "rss_idle_mb": idle_mb, "rss_held_mb": held_mb, "kb_per_subscription": (held_mb - idle_mb) * 1024 / subscriptions,
            "all_notified_ms": fan_out_ms}


async def measure(events: int, subscriptions: int, postgres: str, redis: str) -> None:
    with tempfile.TemporaryDirectory(prefix="graft-realtime-") as base:
        stack = await start(Path(base), postgres, redis)
        try:
            print("| protocol | events | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
            for protocol in PROTOCOLS:
                row = await latency(stack, protocol, events)
                print(f"| {protocol} | {row['events']} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['max_ms']:.2f} |",
                      flush=True)
            held = await concurrent(stack, subscriptions)
            print(f"\n{held['subscriptions']} subscriptions on {held['connections']} WebSocket connections: opened in "
                  f"{held['open_s']:.1f} s; router worker RSS {held['rss_idle_mb']:.1f} MB idle → "
                  f"{held['rss_held_mb']:.1f} MB held ({held['kb_per_subscription']:.1f} KB each); one change "
                  f"reached all in {held['all_notified_ms']:.0f} ms", flush=True)
        finally:
            await stack.broadcast.stop()
            await stack.database.dispose()
            stack.router.stop()
            for process in stack.subgraphs.values():
                process.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--postgres", default=os.environ.get("GRAFT_TEST_POSTGRES_URL",
                                                             "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("GRAFT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    asyncio.run(measure(args.events, args.subscriptions, args.postgres, args.redis))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
