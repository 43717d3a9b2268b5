"""strawberry's aiohttp view with the per-request context every strawberry subgraph needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

import orjson
import strawberry
import strawberry.federation
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from subgraphs.common.app import DATABASE, mutation_over_get, request_id, request_identity
from subgraphs.common.context import LoadersT, RequestContext
from subgraphs.common.db import Database
from subgraphs.common.errors import format_error
from subgraphs.common.identity import Identity

ContextFactory = Callable[[web.Request, web.StreamResponse, Database, Identity], Any]


@dataclass
class StrawberryContext(RequestContext[LoadersT]):
    """Every subgraph's context, and the response, whose headers extensions may set (CacheControl)."""

    response: web.StreamResponse


class SubgraphView(GraphQLView):
    """Verifies the caller before any resolver runs; a bad token never reaches the schema."""

    def __init__(self, schema: strawberry.Schema, make_context: ContextFactory) -> None:
        # subscriptions over WebSocket on GET /graphql, graphql-transport-ws only (graphql-ws is obsolete)
        super().__init__(schema=schema, graphql_ide=None, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
        self.make_context = make_context

    def is_websocket_request(self, request: web.Request) -> TypeGuard[web.Request]:
        """Only a GET asking to upgrade can be one: strawberry's own check builds a
        WebSocketResponse and tries its handshake (twice) for every POST."""
        return (request.method == "GET" and "websocket" in request.headers.get("Upgrade", "").lower()
                and super().is_websocket_request(request))

    def decode_json(self, data: str | bytes) -> object:
        """orjson both ways: the stdlib's json is several times slower on entity batches. Its
        JSONDecodeError is the stdlib's, so a bad body is still strawberry's 400."""
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        """Text, not bytes: strawberry sends it as the WebSocket frame, and graphql-transport-ws
        messages are text frames (HTTP answers are encoded in create_response)."""
        return orjson.dumps(data).decode()

    def create_response(self, response_data: Any, sub_response: web.Response) -> web.Response:
        """The encoded bytes as the body (strawberry's own decodes them to text for aiohttp to
        encode again); the headers extensions set on `sub_response` stay."""
        sub_response.body = orjson.dumps(response_data)
        sub_response.content_type = "application/json"
        sub_response.charset = "utf-8"
        return sub_response

    async def get_context(self, request: web.Request, response: web.StreamResponse) -> Any:
        identity = await request_identity(request)
        return self.make_context(request, response, request.app[DATABASE], identity)

    async def execute_single(self, request: web.Request, *args: Any, **kwargs: Any) -> ExecutionResult:
        """strawberry refuses a mutation over GET, before running it, with a plain-text 400;
        GraphQL over HTTP asks for a 405 naming POST, as the ariadne subgraphs answer."""
        try:
            return await super().execute_single(request, *args, **kwargs)
        except Exception as exc:
            refused = exc.__cause__
            if request.method == "GET" and isinstance(refused, InvalidOperationTypeError):
                raise mutation_over_get(refused.operation_type.value) from None
            raise

    async def process_result(self, request: web.Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Errors as format_error answers them: an unexpected one masked, logged with the request id."""
        response = await super().process_result(request, result)
        if result.errors:
            rid = request_id(request)
            response["errors"] = [format_error(error, rid) for error in result.errors]
        return response


class FederatedSchema(strawberry.federation.Schema):
    """Logs nothing itself: the view's format_error logs the unexpected errors with the request
    id, and an expected one is an answer to the client."""

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        return None
