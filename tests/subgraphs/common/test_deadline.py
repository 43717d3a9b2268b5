"""A subgraph honours the router's X-Graft-Deadline-Ms: the handler is cancelled when it passes
and the answer is a 504 GraphQL error; without the header nothing changes."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from subgraphs.common.deadline import DEADLINE_HEADER, deadline_middleware


async def test_a_handler_past_its_deadline_is_cancelled() -> None:
    cancelled = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        try:
            await asyncio.sleep(float(request.query.get("s", "5")))
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return web.json_response({"data": {}})

    app = web.Application(middlewares=[deadline_middleware])
    app.router.add_get("/graphql", slow)
    async with TestServer(app) as server, ClientSession() as http:
        async with http.get(server.make_url("/graphql"), headers={DEADLINE_HEADER: "200"}) as resp:
            assert resp.status == 504
            assert (await resp.json())["errors"][0]["extensions"]["code"] == "DEADLINE_EXCEEDED"
        assert cancelled.is_set()
        async with http.get(server.make_url("/graphql?s=0.3")) as resp:
            assert resp.status == 200


async def test_calls_to_peers_carry_what_is_left() -> None:
    from subgraphs.common.deadline import deadline_headers

    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(deadline_headers())
        return web.json_response({"data": {}})

    app = web.Application(middlewares=[deadline_middleware])
    app.router.add_get("/graphql", handler)
    async with TestServer(app) as server, ClientSession() as http:
        async with http.get(server.make_url("/graphql"), headers={DEADLINE_HEADER: "3000"}):
            pass
        async with http.get(server.make_url("/graphql")):
            pass
    assert 2000 < int(seen[0][DEADLINE_HEADER]) <= 3000 and seen[1] == {}
