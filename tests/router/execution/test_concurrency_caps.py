"""Per-subgraph concurrency caps: a slow subgraph held at its cap makes further requests to it
fail as busy after the queue timeout, while requests to another subgraph go straight through."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from router.config import load_settings
from router.execution.client import SubgraphClient, SubgraphRequest, SubgraphError
from router.gateway import Gateway
from tests.router.server.supergraphs import HEADER


async def fetch(client: SubgraphClient, service: str, query: str, variables: dict,
                headers: dict | None = None, *, dedupe: bool = False) -> dict:
    return (await client.send(SubgraphRequest(service, query, variables, headers or {}, dedupe))).result

QUERY_TYPE = """
type Query @join__type(graph: FAST) @join__type(graph: SLOW) {
  quick: String! @join__field(graph: FAST)
  slow: String! @join__field(graph: SLOW)
}
"""


class Subgraph:
    """A real HTTP subgraph answering `{ <field> }`; with `hold`, every answer waits for release()."""

    def __init__(self, field: str, hold: bool = False) -> None:
        self.field = field
        self.released = asyncio.Event()
        if not hold:
            self.released.set()
        self.in_flight = self.most_in_flight = self.seen = 0
        self.server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        await request.json()
        self.seen += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.released.wait()
        finally:
            self.in_flight -= 1
        return web.json_response({"data": {self.field: f"{self.field} done"}})

    async def start(self) -> Subgraph:
        app = web.Application()
        app.router.add_post("/graphql", self.handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/graphql"))

    async def until_in_flight(self, n: int) -> None:
        while self.in_flight < n:
            await asyncio.sleep(0.01)


@pytest.fixture
async def subgraphs():
    slow, fast = await Subgraph("slow", hold=True).start(), await Subgraph("quick").start()
    yield slow, fast
    slow.released.set()
    for subgraph in (slow, fast):
        await subgraph.server.close()


async def test_a_slow_subgraph_at_its_cap_does_not_block_another(subgraphs):
    slow, fast = subgraphs
    client = SubgraphClient({"slow": slow.url, "fast": fast.url}, max_concurrency={"slow": 2},
                            default_max_concurrency=3, queue_timeout=0.2)
    try:
        held = [asyncio.create_task(fetch(client, "slow", "{ slow }", {})) for _ in range(2)]
        await asyncio.wait_for(slow.until_in_flight(2), timeout=5)
        with pytest.raises(SubgraphError, match="^Subgraph 'slow' is busy$"):
            await fetch(client, "slow", "{ slow }", {})
        answers = await asyncio.wait_for(
            asyncio.gather(*(fetch(client, "fast", "{ quick }", {"n": n}) for n in range(10))), timeout=5)
        assert all(a == {"data": {"quick": "quick done"}} for a in answers)
        assert fast.most_in_flight <= 3  # the default cap holds for subgraphs not named
        slow.released.set()
        assert [await task for task in held] == [{"data": {"slow": "slow done"}}] * 2
        assert await fetch(client, "slow", "{ slow }", {}) == {"data": {"slow": "slow done"}}  # slots came back
        assert slow.most_in_flight == 2 and slow.seen == 3  # the busy request never reached it
    finally:
        await client.close()


async def test_waiting_requests_go_when_a_slot_frees(subgraphs):
    slow, _ = subgraphs
    client = SubgraphClient({"slow": slow.url}, max_concurrency={"slow": 1}, queue_timeout=5)
    try:
        tasks = [asyncio.create_task(fetch(client, "slow", "{ slow }", {"n": n})) for n in range(3)]
        await asyncio.wait_for(slow.until_in_flight(1), timeout=5)
        slow.released.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
        assert results == [{"data": {"slow": "slow done"}}] * 3 and slow.most_in_flight == 1
    finally:
        await client.close()


async def test_caps_come_from_router_settings_and_busy_is_a_subgraph_error(subgraphs):
    slow, fast = subgraphs
    graphs = (f'  FAST @join__graph(name: "fast", url: "{fast.url}")\n'
              f'  SLOW @join__graph(name: "slow", url: "{slow.url}")\n')
    header = HEADER.replace('  TINY @join__graph(name: "tiny", url: "%(url)s")\n', graphs)
    settings = load_settings(subgraphs={"slow": {"max_concurrency": 1}},
                             subgraph_defaults={"max_concurrency": 8, "queue_timeout": 0.2})
    gateway = Gateway.from_settings(header + QUERY_TYPE, settings)
    assert gateway.client.max_concurrency == {"slow": 1, "fast": 8}
    try:
        held = asyncio.create_task(as_caller(gateway, "{ slow }", "a"))
        await asyncio.wait_for(slow.until_in_flight(1), timeout=5)
        busy = await as_caller(gateway, "{ slow }", "b")  # another caller: not shared with the one in flight
        assert busy["data"] is None
        assert busy["errors"][0] == {"message": "Subgraph busy",  # its name only in the router's log
                                     "extensions": {"code": "SUBREQUEST_HTTP_ERROR",
                                                    "requestId": busy["errors"][0]["extensions"]["requestId"]}}
        assert await as_caller(gateway, "{ quick }", "c") == {"data": {"quick": "quick done"}}
        slow.released.set()
        assert await held == {"data": {"slow": "slow done"}}
    finally:
        await gateway.close()


async def as_caller(gateway: Gateway, query: str, token: str) -> dict:
    return await gateway.execute_query(query, headers={"authorization": f"Bearer {token}"})


def test_concurrency_settings_are_checked():
    from router.config import ConfigError

    with pytest.raises(ConfigError, match="subgraphs.slow.max_concurrency"):
        load_settings(subgraphs={"slow": {"max_concurrency": 0}})
    with pytest.raises(ConfigError, match="subgraph_defaults.queue_timeout"):
        load_settings(subgraph_defaults={"queue_timeout": -1})
