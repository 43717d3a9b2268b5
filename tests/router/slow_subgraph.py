"""A real subgraph that takes its time: `Product.restockForecast(delayMs:)` sleeps that long before
answering, so tests and the @defer timeline can see a slow deferred fetch.
`python -m tests.router.slow_subgraph PORT`."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from aiohttp import web
from ariadne import graphql
from ariadne.contrib.federation import FederatedObjectType, make_federated_schema

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Product @key(fields: "id") {
  id: ID!
  restockForecast(delayMs: Int!): String!
}
"""

product = FederatedObjectType("Product")


@product.reference_resolver
def _reference(_: Any, __: Any, representation: dict) -> dict:
    return {"id": representation["id"]}


@product.field("restockForecast")
async def _forecast(obj: dict, _: Any, delayMs: int) -> str:
    if delayMs < 0:
        raise ValueError("delayMs must not be negative")
    await asyncio.sleep(delayMs / 1000)
    return f"product {obj['id']}: restocked within {delayMs} ms"


SCHEMA = make_federated_schema(SDL, product)


async def handle(request: web.Request) -> web.Response:
    _, result = await graphql(SCHEMA, await request.json())
    return web.json_response(result)


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    app = web.Application()
    app.router.add_post("/graphql", handle)
    app.router.add_get("/health", health)
    # a forecast still sleeping when the tests stop it (one whose caller's deadline has passed)
    # is awaited by nobody: stop within a second instead of waiting the forecast out
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[-1]), print=None, shutdown_timeout=1)


if __name__ == "__main__":
    main()
