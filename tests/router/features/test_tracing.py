"""Tracing on: one request through a real router and a real catalog subgraph is one trace, the
router's request span over a span per stage, the fetch span, the HTTP client span, the
subgraph's server span (W3C traceparent) and its SQL spans, each correctly parented. Received
by an in-process OTLP/HTTP endpoint decoding ExportTraceServiceRequest."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.support.processes import start_graft, start_router

QUERY = '{ product(id: "1") { name } }'


@dataclass(frozen=True)
class Received:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict


def receiver(spans: list[Received]) -> web.Application:
    async def traces(request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        for resource in message.resource_spans:
            service = next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name")
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
                    spans.append(Received(service, span.name, span.trace_id.hex(), span.span_id.hex(),
                                          span.parent_span_id.hex(), attributes))
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(),
                            content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    return app


def ancestors(span: Received, by_id: dict[str, Received]) -> list[Received]:
    chain = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


async def test_one_request_is_one_trace_from_the_router_down_to_sql(tmp_path):
    spans: list[Received] = []
    server = TestServer(receiver(spans), host="127.0.0.1")
    await server.start_server()
    endpoint = str(server.make_url("/v1/traces"))
    fast = {"OTEL_BSP_SCHEDULE_DELAY": "100"}
    catalog = await asyncio.to_thread(start_graft, "catalog", ["subgraph", "catalog"], {
        "GRAFT_DATA_DIR": str(tmp_path), "GRAFT_JOBS": "0", "GRAFT_TRACING_EXPORTER": "otlp_http",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint, **fast}, tmp_path)
    tracing = f"telemetry:\n  tracing:\n    enabled: true\n    endpoint: {endpoint}\n"
    try:
        router = await asyncio.to_thread(start_router, "router", {"catalog": catalog}, tmp_path, tracing, fast)
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(router.graphql_url, json={"query": QUERY}) as resp:
                    assert (await resp.json())["data"]["product"]["name"]
                    request_id = resp.headers["X-Request-Id"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                mine = [s for s in spans if s.attributes.get("graft.request_id") == request_id]
                if mine and any(s.service == "graft-catalog" and s.trace_id == mine[0].trace_id
                                and "SELECT" in s.name for s in spans):
                    break
                await asyncio.sleep(0.1)
        finally:
            await asyncio.to_thread(router.stop)
    finally:
        await asyncio.to_thread(catalog.stop)
        await server.close()
    [request] = [s for s in spans if s.attributes.get("graft.request_id") == request_id]
    trace = [s for s in spans if s.trace_id == request.trace_id]
    by_id = {s.span_id: s for s in trace}
    assert request.service == "graft-router" and request.parent_id == ""
    stages = {s.name: s for s in trace if s.parent_id == request.span_id}
    assert {"stage identity", "stage document", "stage plan", "stage execute", "stage shape"} <= set(stages)
    [fetch] = [s for s in trace if s.name == "fetch catalog"]
    assert fetch.parent_id == stages["stage execute"].span_id and "product" in fetch.attributes["graphql.document"]
    [served] = [s for s in trace if s.service == "graft-catalog" and fetch in ancestors(s, by_id)
                and s.parent_id in by_id and by_id[s.parent_id].service == "graft-router"]
    sql = [s for s in trace if s.service == "graft-catalog" and "SELECT" in s.name]
    assert sql and all(served in ancestors(s, by_id) for s in sql), trace
    assert all(ancestors(s, by_id)[-1:] in ([request], []) for s in trace)


def test_tracing_is_off_by_default_and_then_makes_no_tracer():
    from router.config import load_settings
    from router.features.tracing import start_tracing

    assert start_tracing(load_settings().telemetry.tracing) is None
