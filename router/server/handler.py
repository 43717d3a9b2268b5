"""GET/POST /graphql: GraphiQL for browsers; otherwise HTTP → RouterRequest → the stage list of
the pipeline in service → HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from router.config import RouterSettings
from router.execution.client import DEADLINE_HEADER
from router.features.metrics import REQUESTS
from router.pipeline import RequestError, RouterRequest, run_stages
from router.pipeline.request import REQUEST_ID_HEADER, request_id
from router.server.graphiql import graphiql_response
from router.server.http import TEXT_HTML, error_response, graphql_response, negotiate, read_request, status_for
from router.server.pipeline import Pipeline
from router.server.reload import Swappable

log = logging.getLogger("graft.server")
INCLUDE_PLAN_HEADER = "graft-include-plan"
Handler = Callable[[web.Request], Awaitable[web.Response]]


def graphql_handler(settings: RouterSettings, pipelines: Swappable[Pipeline]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        response = await _answer(request, settings, pipelines)
        REQUESTS.labels(str(response.status)).inc()
        return response

    return handler


async def _answer(request: web.Request, settings: RouterSettings, pipelines: Swappable[Pipeline]) -> web.Response:
    wants_page = settings.graphiql.enabled and request.method == "GET"
    media_type = negotiate(request.headers.get("Accept"), html=wants_page)
    if media_type is None:
        return web.Response(
            status=406, text="Not Acceptable: ask for application/graphql-response+json or application/json.\n")
    if media_type == TEXT_HTML:
        return graphiql_response()
    routed: RouterRequest | None = None
    identity = request_id(request.headers.get(REQUEST_ID_HEADER))
    try:
        routed = RouterRequest(await read_request(request, settings.limits.max_body_bytes), request.headers,
                               request.remote, include_plan=_include_plan(request, settings), request_id=identity,
                               deadline=deadline(request.headers, settings.traffic.timeout))
        async with pipelines.lease() as pipeline:
            await _run_by_deadline(pipeline, routed)
    except RequestError as error:
        response = error_response(error, media_type)
    except Exception:  # a bug below us: say so as a GraphQL response, keep the details in the log
        log.exception("request %s failed", identity)
        failed = {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                                                       "requestId": identity}}
        response = graphql_response({"errors": [failed]}, media_type, 500)
    else:
        assert routed.response is not None, "the last stage fills request.response"
        body = routed.response.formatted()
        response = graphql_response(body, media_type, status_for(body, media_type, request_error=False))
    if routed is not None:
        response.headers.update(routed.response_headers)
    response.headers[REQUEST_ID_HEADER] = identity
    return response


def deadline(headers: Mapping[str, str], timeout: float) -> float:
    """time.monotonic() by which the request is answered: traffic.timeout from now, sooner when the
    caller's X-Graft-Deadline-Ms (milliseconds left) says so; never later."""
    seconds = timeout
    given = headers.get(DEADLINE_HEADER, "").strip()
    if given.isdigit():
        seconds = min(seconds, int(given) / 1000)
    return time.monotonic() + seconds


async def _run_by_deadline(pipeline: Pipeline, routed: RouterRequest) -> None:
    """Fetches stop at the deadline themselves (partial data); this bounds every other stage too."""
    assert routed.deadline is not None
    try:
        async with asyncio.timeout(max(0.0, routed.deadline - time.monotonic())) as bound:
            await run_stages(pipeline.stages, routed)
    except TimeoutError:
        if not bound.expired():
            raise
        raise RequestError("The request did not finish within its deadline.", status=504,
                           code="GATEWAY_TIMEOUT") from None


def _include_plan(request: web.Request, settings: RouterSettings) -> bool:
    return settings.dev_mode and request.headers.get(INCLUDE_PLAN_HEADER, "").strip() == "1"
