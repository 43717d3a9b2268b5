"""`python -m bench.otlp_sink PORT`: an OTLP/HTTP trace receiver for the bench's traced router.
It decodes each export (so the router pays its full export cost, as against a real collector),
keeps only a count, and answers GET /spans with it: proof that tracing was on during the run."""

from __future__ import annotations

import sys

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

SPANS = web.AppKey("spans", list)


async def export(request: web.Request) -> web.Response:
    message = ExportTraceServiceRequest()
    message.ParseFromString(await request.read())
    request.app[SPANS][0] += sum(len(scope.spans) for resource in message.resource_spans
                                 for scope in resource.scope_spans)
    return web.Response(body=ExportTraceServiceResponse().SerializeToString(), content_type="application/x-protobuf")


async def spans(request: web.Request) -> web.Response:
    return web.json_response({"spans": request.app[SPANS][0]})


def app() -> web.Application:
    application = web.Application(client_max_size=64 * 1024 * 1024)
    application[SPANS] = [0]
    application.router.add_post("/v1/traces", export)
    application.router.add_get("/spans", spans)
    return application


if __name__ == "__main__":
    web.run_app(app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
