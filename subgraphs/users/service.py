"""The users service: GraphQL (ariadne) plus the OAuth2 authorization server routes."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from aiohttp import web
from ariadne import graphql
from ariadne.contrib.federation.utils import purge_schema_directives
from graphql import GraphQLError

from subgraphs.common.app import DATABASE, create_app as create_subgraph_app, request_identity
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings
from subgraphs.users import oauth_routes
from subgraphs.users.loaders import create_loaders
from subgraphs.users.models import Base
from subgraphs.users.resolvers import TYPE_DEFS, schema
from subgraphs.users.seed import seed

log = logging.getLogger("graft.users")
errors_log = logging.getLogger("graft.users.errors")


class _UnexpectedOnly(logging.Filter):
    """Ariadne logs every GraphQL error; keep only the unexpected ones (no `code`, with a cause),
    so expected refusals don't flood the log with tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if not isinstance(error, GraphQLError):
            return True
        return not (error.extensions or {}).get("code") and error.original_error is not None


errors_log.addFilter(_UnexpectedOnly())


def sdl() -> str:
    return purge_schema_directives(TYPE_DEFS)


def _bad_request(message: str) -> web.Response:
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    return web.json_response(body, status=400, dumps=lambda v: orjson.dumps(v).decode())


async def _read_operation(request: web.Request) -> dict[str, Any] | web.Response:
    if request.method == "GET":
        data: dict[str, Any] = dict(request.query)
        if "variables" in data:
            try:
                data["variables"] = orjson.loads(data["variables"])
            except orjson.JSONDecodeError:
                return _bad_request("variables must be JSON")
        return data
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _bad_request("Request body is not valid JSON.")
    if not isinstance(data, dict):
        return _bad_request("Request body must be a JSON object.")
    return data


async def graphql_handler(request: web.Request) -> web.Response:
    data = await _read_operation(request)
    if isinstance(data, web.Response):
        return data
    if request.method == "GET" and str(data.get("query", "")).lstrip().startswith("mutation"):
        return _bad_request("Mutations must use POST.")
    db: Database = request.app[DATABASE]
    context = {"request": request, "db": db, "loaders": create_loaders(db), "identity": await request_identity(request)}
    _, result = await graphql(schema, data, context_value=context, debug=False, logger=errors_log)
    return web.json_response(result, status=_status(result), dumps=lambda v: orjson.dumps(v).decode())


def _status(result: dict[str, Any]) -> int:
    """Request errors (parse, validation, variable coercion) carry no path: 400. Execution
    errors answer 200 with data, maybe null, as GraphQL over HTTP with application/json does."""
    errors = result.get("errors") or []
    if result.get("data") is None and errors and not any("path" in e for e in errors):
        return 400
    return 200


def create_app(settings: SubgraphSettings) -> web.Application:
    database = Database(settings.database_url, Base.metadata, schema=settings.database_schema)
    app = create_subgraph_app(settings, database, graphql_handler, seed=seed)
    oauth_routes.setup(app)
    return app
