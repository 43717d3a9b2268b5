"""The request's deadline: traffic.timeout from arrival, shortened (never lengthened) by the
caller's X-Graft-Deadline-Ms; the client sends each subgraph what is left."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from aiohttp.test_utils import TestServer

from router.execution.client import DEADLINE_HEADER, SubgraphClient, SubgraphError, SubgraphRequest
from router.server.handler import deadline


def test_a_header_shortens_the_deadline_but_never_lengthens_it() -> None:
    now = time.monotonic()
    assert 29 < deadline({}, 30) - now < 31
    assert 0.4 < deadline({DEADLINE_HEADER: "500"}, 30) - now < 0.6
    assert 29 < deadline({DEADLINE_HEADER: "900000"}, 30) - now < 31
    assert 29 < deadline({DEADLINE_HEADER: "soon"}, 30) - now < 31


async def test_the_client_sends_the_time_left_and_stops_at_the_deadline() -> None:
    seen: list[str] = []

    async def graphql(request: web.Request) -> web.Response:
        seen.append(request.headers.get(DEADLINE_HEADER, ""))
        if request.query.get("hang"):
            await asyncio.sleep(5)
        return web.json_response({"data": {"ok": True}})

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    async with TestServer(app) as server:
        client = SubgraphClient({"a": str(server.make_url("/graphql")), "b": str(server.make_url("/graphql?hang=1"))})
        try:
            await client.send(SubgraphRequest("a", "{ ok }", {}, deadline=time.monotonic() + 2))
            assert 1000 < int(seen[0]) <= 2000
            started = time.monotonic()
            try:
                await client.send(SubgraphRequest("b", "{ ok }", {}, deadline=time.monotonic() + 0.3))
            except SubgraphError as exc:
                assert exc.sent and "timed out" in str(exc)
            assert time.monotonic() - started < 2
            try:
                await client.send(SubgraphRequest("a", "{ ok }", {}, deadline=time.monotonic() - 1))
            except SubgraphError as exc:
                assert not exc.sent
            assert len(seen) == 2
        finally:
            await client.close()
