"""A tiny real subgraph process (aiohttp + graphql-core) for router process tests:
`python -m tests.router.server.tiny_subgraph PORT`."""

from __future__ import annotations

import asyncio
import os
import sys

from aiohttp import web
from graphql import build_schema, graphql

SDL = """
type Query {
  hello(name: String!): String!
  greeting: String!
  slow(seconds: Float!): String!
  pid: Int!
  _service: _Service!
}
type _Service { sdl: String }
"""
SCHEMA = build_schema(SDL)


class Root:
    def hello(self, info, name: str) -> str:
        return f"hello {name}"

    def greeting(self, info) -> str:
        return "good day"

    async def slow(self, info, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "slow done"

    def pid(self, info) -> int:
        return os.getpid()

    def _service(self, info) -> dict:
        return {"sdl": SDL}


async def handle(request: web.Request) -> web.Response:
    body = await request.json()
    result = await graphql(SCHEMA, body["query"], root_value=Root(), variable_values=body.get("variables"),
                           operation_name=body.get("operationName"))
    return web.json_response(result.formatted)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    app = web.Application()
    app.router.add_post("/graphql", handle)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[-1]), print=None)


if __name__ == "__main__":
    main()
