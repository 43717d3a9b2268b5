"""One request through the router's server stages: HTTP → GraphQLRequest → PreparedOperation →
response dict → HTTP. Each stage is a plain function with typed input and output."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from aiohttp import web
from graphql import GraphQLSchema, OperationType

from router.config import RouterSettings
from router.features.caller import Caller
from router.features.identity import AUTHENTICATOR
from router.features.rate_limits import limit_rate
from router.features.limits import check_operation_limits, gateway_costs
from router.features.metrics import REQUESTS
from router.features.persisted import PersistedDocuments, PersistedQueryError
from router.server.document import DocumentCache, DocumentError, PreparedOperation, check_variables
from router.server.graphiql import graphiql_response
from router.server.http import (
    TEXT_HTML,
    GraphQLRequest,
    RequestError,
    error_response,
    graphql_response,
    negotiate,
    read_request,
    status_for,
)
from router.server.reload import Swappable

log = logging.getLogger("graft.server")
INCLUDE_PLAN_HEADER = "graft-include-plan"


class Gateway(Protocol):
    """What the server needs from the router core."""

    api_schema: GraphQLSchema
    supergraph_sha: str

    async def execute(self, operation: PreparedOperation, variables: dict[str, Any], *,
                      context: RequestContext) -> dict[str, Any]: ...

    def close(self) -> Any: ...


@dataclass(frozen=True)
class RequestContext:
    """Per-request facts later stages may use (headers for auth, whether to return the plan)."""

    headers: dict[str, str]
    include_plan: bool
    extensions: dict[str, Any]
    variable_values: Any = None  # coerced by the document stage (graphql-core's own form)
    caller: Caller = Caller(None, "unknown")


@dataclass
class Service:
    """A gateway and the document cache for its API schema: swapped together on reload."""

    gateway: Gateway
    documents: DocumentCache

    @classmethod
    def build(cls, gateway: Gateway, settings: RouterSettings) -> Service:
        return cls(gateway, DocumentCache(gateway.api_schema, introspection=settings.introspection))

    def close(self) -> Any:
        return self.gateway.close()


def prepare_document(service: Service, request: GraphQLRequest) -> tuple[PreparedOperation, Any]:
    """Cached parse + validate + GetOperation, then variable coercion; GET may not run a
    mutation (405, Allow: POST)."""
    prepared = service.documents.prepare(request.query, request.operation_name)
    if request.method == "GET" and prepared.operation_type is not OperationType.QUERY:
        kind = prepared.operation_type.value
        raise RequestError(f"A {kind} cannot be sent with GET; use POST.", status=405, headers={"Allow": "POST"})
    return prepared, check_variables(service.documents.schema, prepared, request.variables)


def request_context(request: web.Request, graphql_request: GraphQLRequest, settings: RouterSettings,
                    caller: Caller) -> RequestContext:
    """Variable values are added once the document stage has coerced them."""
    include_plan = settings.dev_mode and request.headers.get(INCLUDE_PLAN_HEADER, "").strip() == "1"
    return RequestContext(dict(request.headers), include_plan, graphql_request.extensions, caller=caller)


def _not_acceptable() -> web.Response:
    return web.Response(
        status=406,
        text="Not Acceptable: ask for application/graphql-response+json or application/json.\n",
    )


async def handle_graphql(request: web.Request, settings: RouterSettings, services: Swappable[Service],
                         persisted: PersistedDocuments) -> web.Response:
    """GET/POST /graphql: GraphiQL for browsers, otherwise GraphQL over HTTP."""
    response = await _answer(request, settings, services, persisted)
    REQUESTS.labels(str(response.status)).inc()
    return response


async def _answer(request: web.Request, settings: RouterSettings, services: Swappable[Service],
                  persisted: PersistedDocuments) -> web.Response:
    wants_page = settings.graphiql.enabled and request.method == "GET"
    media_type = negotiate(request.headers.get("Accept"), html=wants_page)
    if media_type is None:
        return _not_acceptable()
    if media_type == TEXT_HTML:
        return graphiql_response()
    try:
        caller = await request.app[AUTHENTICATOR].caller(request)
        graphql_request = await read_request(request, settings.limits.max_body_bytes)
        if refused := await limit_rate(request, caller, media_type):
            return refused
        async with services.lease() as service:
            context = request_context(request, graphql_request, settings, caller)
            resolved = await persisted.resolve(graphql_request, context.caller)  # APQ, trusted documents
            graphql_request = resolved.request
            prepared, variable_values = prepare_document(service, graphql_request)
            context = replace(context, variable_values=variable_values)
            check_operation_limits(settings.operation_limits, service.documents.schema, gateway_costs(service.gateway),
                                   prepared, variable_values, context.caller.tier)
            await persisted.register(resolved)
            result = await service.gateway.execute(prepared, graphql_request.variables, context=context)
    except PersistedQueryError as error:
        return graphql_response(error.body, media_type, error.status)
    except RequestError as error:
        return error_response(error, media_type)
    except DocumentError as error:
        body = {"errors": [e.formatted for e in error.errors]}
        return graphql_response(body, media_type, status_for(body, media_type, request_error=True))
    except Exception:  # a bug below us: say so as a GraphQL response, keep the details in the log
        log.exception("request failed")
        return graphql_response({"errors": [{"message": "Internal server error."}]}, media_type, 500)
    return graphql_response(result, media_type, status_for(result, media_type, request_error=False))


def graphql_handler(settings: RouterSettings, services: Swappable[Service],
                    persisted: PersistedDocuments) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return await handle_graphql(request, settings, services, persisted)

    return handler
