"""aiohttp server for one benchmark subgraph. Data are static, so each distinct request body is
executed once with graphql-core and its encoded answer reused: the subgraph stays off the critical path."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field

import orjson
from aiohttp import web
from graphql import GraphQLSchema, graphql_sync

from bench.subgraphs.graph import SUBGRAPHS

CACHE_LIMIT = 4096


@dataclass
class SubgraphState:
    schema: GraphQLSchema
    sdl: str
    record: bool = False
    answers: dict[bytes, bytes] = field(default_factory=dict)
    recorded: list[bytes] = field(default_factory=list)
    requests: int = 0


def answer(state: SubgraphState, body: bytes) -> tuple[int, bytes]:
    """Status and JSON body for a GraphQL POST body; bad input gets a 400 with a GraphQL error."""
    cached = state.answers.get(body)
    if cached is not None:
        return 200, cached
    try:
        request = orjson.loads(body)
        query = request["query"]
        if not isinstance(query, str):
            raise TypeError("query must be a string")
    except (orjson.JSONDecodeError, KeyError, TypeError) as error:
        return 400, orjson.dumps({"errors": [{"message": f"bad request: {error}"}]})
    result = graphql_sync(
        state.schema, query, variable_values=request.get("variables"), operation_name=request.get("operationName")
    )
    encoded = orjson.dumps(result.formatted)
    if len(state.answers) >= CACHE_LIMIT:
        state.answers.clear()
    state.answers[body] = encoded
    return 200, encoded


def create_app(name: str) -> web.Application:
    schema, sdl = SUBGRAPHS[name]()
    state = SubgraphState(schema, sdl)

    async def graphql(request: web.Request) -> web.Response:
        body = await request.read()
        state.requests += 1
        if state.record:
            state.recorded.append(body)
        status, payload = answer(state, body)
        return web.Response(body=payload, status=status, content_type="application/json")

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "subgraph": name})

    async def stats(request: web.Request) -> web.Response:
        """Requests served and the bodies recorded since the last call (then cleared); `?record=on|off`
        switches recording, which the bench uses to replay a gateway's fetches directly."""
        switch = request.query.get("record")
        if switch not in (None, "on", "off"):
            return web.json_response({"error": "record must be on or off"}, status=400)
        recorded = [b.decode() for b in state.recorded]
        state.recorded.clear()
        if switch is not None:
            state.record = switch == "on"
        return web.json_response({"requests": state.requests, "recorded": recorded})

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    app.router.add_get("/health", health)
    app.router.add_get("/_bench/stats", stats)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.subgraphs")
    parser.add_argument("name", choices=sorted(SUBGRAPHS))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    web.run_app(create_app(args.name), host="127.0.0.1", port=args.port, print=None, access_log=None)
