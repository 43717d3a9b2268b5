"""An aiohttp handler serving an ariadne schema, as ariadne's docs integrate a custom server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from ariadne import graphql
from graphql import GraphQLError, GraphQLSchema, OperationType, get_operation_ast, graphql_sync, parse

from subgraphs.common.app import DATABASE, Handler, mutation_over_get, request_id, request_identity
from subgraphs.common.db import Database
from subgraphs.common.documents import DOCUMENTS, parse_query
from subgraphs.common.errors import format_error
from subgraphs.common.identity import Identity

ContextFactory = Callable[[web.Request, Database, Identity], Any]

errors_log = logging.getLogger("graft.subgraph.errors")


class _LoggedByFormatError(logging.Filter):
    """ariadne logs every GraphQL error; format_error already logs the unexpected ones with the
    request id, and expected refusals are answers, not log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not isinstance(record.msg, GraphQLError)


errors_log.addFilter(_LoggedByFormatError())


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


def _refuse_mutation_over_get(data: dict[str, Any]) -> None:
    """The operation that would run, found in the parsed document with `operationName`; a text
    that does not parse, or names no single operation, is left to ariadne's 400."""
    try:
        document = parse(data["query"])
    except (GraphQLError, TypeError):
        return
    operation = get_operation_ast(document, data.get("operationName"))
    if operation is not None and operation.operation is not OperationType.QUERY:
        raise mutation_over_get(operation.operation.value)


def ariadne_handler(schema: GraphQLSchema, make_context: ContextFactory) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        data = await _request_data(request)
        if isinstance(data, web.Response):
            return data
        if request.method == "GET":
            _refuse_mutation_over_get(data)
        identity = await request_identity(request)
        context = make_context(request, request.app[DATABASE], identity)
        rid = request_id(request)
        _, result = await graphql(
            schema, data, context_value=context, require_query=request.method == "GET", logger=errors_log,
            query_parser=parse_query, query_validator=DOCUMENTS.validate,
            error_formatter=lambda error, _debug: format_error(error, rid),
        )
        return web.Response(body=orjson.dumps(result), status=_status(result), content_type="application/json")

    return handle


def _status(result: dict[str, Any]) -> int:
    """Request errors (parse, validation, variable coercion) carry no path: 400. Execution
    errors answer 200 with data, maybe null, as GraphQL over HTTP with application/json does."""
    errors = result.get("errors") or []
    if result.get("data") is None and errors and not any("path" in e for e in errors):
        return 400
    return 200


def served_sdl(schema: GraphQLSchema) -> str:
    """The SDL exactly as `_service { sdl }` serves it."""
    result = graphql_sync(schema, "{ _service { sdl } }")
    assert result.data is not None, result.errors
    return result.data["_service"]["sdl"]
