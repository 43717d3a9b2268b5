"""GET/POST /graphql: GraphiQL for browsers; otherwise HTTP → RouterRequest → the stage list of
the pipeline in service → HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from router.config import RouterSettings
from router.execution.client import DEADLINE_HEADER
from router.features import request_log
from router.features.metrics import IN_FLIGHT, REQUESTS
from router.features.request_metrics import observe_request
from router.features.request_log import error_codes, summarize
from router.features.tracing import finish_span, request_span, start_tracing, trace_id
from router.pipeline import RequestError, RouterRequest, run_stages
from router.pipeline.request import REQUEST_ID_HEADER, request_id
from router.server.graphiql import graphiql_response
from router.server.http import (
    APPLICATION_JSON,
    TEXT_HTML,
    error_response,
    graphql_response,
    negotiate,
    read_request,
    status_for,
)
from router.server.incremental import accepts_incremental, write_incremental
from router.server.pipeline import Pipeline
from router.server.reload import Swappable

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger("graft.server")
INCLUDE_PLAN_HEADER = "graft-include-plan"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Outcome:
    """What the request log needs beyond the response: the routed request, its error codes."""

    request_id: str
    routed: RouterRequest | None = None
    codes: tuple[str, ...] = field(default_factory=tuple)
    tracer: Tracer | None = None  # tracing on: run_stages makes a span per stage


def graphql_handler(settings: RouterSettings, pipelines: Swappable[Pipeline]) -> Handler:
    log_format = settings.telemetry.logs.format
    request_log.configure(log_format)
    tracer = start_tracing(settings.telemetry.tracing)

    async def handler(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        outcome = _Outcome(request_id(request.headers.get(REQUEST_ID_HEADER)))
        span: Span | None = None
        with IN_FLIGHT.track_inprogress(), ExitStack() as stack:
            if tracer is not None:
                outcome.tracer = tracer
                span = stack.enter_context(request_span(tracer, request.headers, outcome.request_id))
            response = await _answer(request, settings, pipelines, outcome)
            summary = summarize(outcome.request_id, request.headers, outcome.routed, response.status,
                                time.perf_counter() - started, outcome.codes, trace_id(span) if span else None)
            if span is not None:
                finish_span(span, summary.operation, response.status, summary.error_codes)
        REQUESTS.labels(str(response.status)).inc()
        observe_request(summary)
        request_log.write(summary, log_format)
        return response

    return handler


async def _answer(request: web.Request, settings: RouterSettings, pipelines: Swappable[Pipeline],
                  outcome: _Outcome) -> web.StreamResponse:
    wants_page = settings.graphiql.enabled and request.method == "GET"
    media_type = negotiate(request.headers.get("Accept"), html=wants_page)
    incremental = accepts_incremental(request.headers.get("Accept"))
    if media_type is None and incremental:
        media_type = APPLICATION_JSON  # for anything not deferred
    if media_type is None:
        return web.Response(
            status=406, text="Not Acceptable: ask for application/graphql-response+json or application/json.\n")
    if media_type == TEXT_HTML:
        return graphiql_response()
    identity = outcome.request_id
    try:
        outcome.routed = RouterRequest(
            await read_request(request, settings.limits.max_body_bytes), request.headers, request.remote,
            include_plan=_include_plan(request, settings), request_id=identity,
            deadline=deadline(request.headers, settings.traffic.timeout), incremental=incremental)
        async with pipelines.lease() as pipeline:
            await _run_by_deadline(pipeline, outcome.routed, outcome.tracer)
            if outcome.routed.response is not None and outcome.routed.response.subsequent is not None:
                headers = {**outcome.routed.response_headers, REQUEST_ID_HEADER: identity}
                streamed = await write_incremental(request, outcome.routed, headers)  # on this pipeline
                outcome.codes = error_codes(outcome.routed.response.errors)
                return streamed
    except RequestError as error:
        outcome.codes = error_codes(error.errors)
        response = error_response(error, media_type)
    except Exception:  # a bug below us: say so as a GraphQL response, keep the details in the log
        log.exception("request %s failed", identity)
        failed = {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                                                       "requestId": identity}}
        outcome.codes = ("INTERNAL_SERVER_ERROR",)
        response = graphql_response({"errors": [failed]}, media_type, 500)
    else:
        assert outcome.routed.response is not None, "the last stage fills request.response"
        outcome.codes = error_codes(outcome.routed.response.errors)
        body = outcome.routed.response.formatted()
        response = graphql_response(body, media_type, status_for(body, media_type, request_error=False))
    if outcome.routed is not None:
        response.headers.update(outcome.routed.response_headers)
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


async def _run_by_deadline(pipeline: Pipeline, routed: RouterRequest, tracer: Tracer | None) -> None:
    """Fetches stop at the deadline themselves (partial data); this bounds every other stage too."""
    assert routed.deadline is not None
    try:
        async with asyncio.timeout(max(0.0, routed.deadline - time.monotonic())) as bound:
            await run_stages(pipeline.stages, routed, tracer)
    except TimeoutError:
        if not bound.expired():
            raise
        raise RequestError("The request did not finish within its deadline.", status=504,
                           code="GATEWAY_TIMEOUT") from None


def _include_plan(request: web.Request, settings: RouterSettings) -> bool:
    return settings.dev_mode and request.headers.get(INCLUDE_PLAN_HEADER, "").strip() == "1"
