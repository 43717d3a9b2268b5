"""An aiohttp handler serving an ariadne schema, as ariadne's docs integrate a custom server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from ariadne import graphql
from graphql import GraphQLSchema, graphql_sync

from subgraphs.common.app import DATABASE, Handler, request_identity
from subgraphs.common.db import Database
from subgraphs.common.identity import Identity

ContextFactory = Callable[[web.Request, Database, Identity], Any]


def _bad_request(message: str) -> web.Response:
    return web.json_response({"errors": [{"message": message}]}, status=400, dumps=lambda d: orjson.dumps(d).decode())


async def _request_data(request: web.Request) -> dict[str, Any] | web.Response:
    """POST JSON body or GET query string → {query, variables, operationName}."""
    if request.method == "GET":
        data: dict[str, Any] = {"query": request.query.get("query"), "operationName": request.query.get("operationName")}
        for name in ("variables", "extensions"):
            if raw := request.query.get(name):
                try:
                    data[name] = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    return _bad_request(f"{name} in the query string is not valid JSON")
        return data
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _bad_request("Request body is not valid JSON")
    return data if isinstance(data, dict) else _bad_request("Request body must be a JSON object")


def ariadne_handler(schema: GraphQLSchema, make_context: ContextFactory) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        data = await _request_data(request)
        if isinstance(data, web.Response):
            return data
        identity = await request_identity(request)
        context = make_context(request, request.app[DATABASE], identity)
        success, result = await graphql(
            schema, data, context_value=context, require_query=request.method == "GET",
        )
        # a request error (parse, validation, variables) has no `data`; execution errors do
        status = 200 if success or "data" in result else 400
        return web.Response(body=orjson.dumps(result), status=status, content_type="application/json")

    return handle


def served_sdl(schema: GraphQLSchema) -> str:
    """The SDL exactly as `_service { sdl }` serves it."""
    result = graphql_sync(schema, "{ _service { sdl } }")
    assert result.data is not None, result.errors
    return result.data["_service"]["sdl"]
