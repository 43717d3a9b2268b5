"""Tracing on: one request through a real router and a real catalog subgraph is one trace, the
router's request span over a span per stage, the fetch span, the HTTP client span, the
subgraph's server span (W3C traceparent) and its SQL and Redis spans, each correctly parented.
Received by an in-process OTLP endpoint, over HTTP or gRPC, decoding ExportTraceServiceRequest."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import grpc
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.support.processes import free_port, start_graft, start_router

QUERY = '{ product(id: "1") { name } }'


@dataclass(frozen=True)
class Received:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict


def received(spans: list[Received], message: ExportTraceServiceRequest) -> None:
    for resource in message.resource_spans:
        service = next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name")
        for scope in resource.scope_spans:
            for span in scope.spans:
                attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
                spans.append(Received(service, span.name, span.trace_id.hex(), span.span_id.hex(),
                                      span.parent_span_id.hex(), attributes))


def receiver(spans: list[Received]) -> web.Application:
    """OTLP/HTTP: protobuf POSTed to /v1/traces."""
    async def traces(request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        received(spans, message)
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(),
                            content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    return app


class GrpcReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """OTLP/gRPC: the collector's TraceService.Export."""

    def __init__(self, spans: list[Received]) -> None:
        self.spans = spans

    async def Export(self, request: ExportTraceServiceRequest, context: object) -> ExportTraceServiceResponse:
        received(self.spans, request)
        return ExportTraceServiceResponse()


@asynccontextmanager
async def otlp_endpoint(transport: str, spans: list[Received]) -> AsyncIterator[str]:
    """An OTLP receiver on a free port; the endpoint the exporters are given."""
    if transport == "otlp_http":
        server = TestServer(receiver(spans), host="127.0.0.1")
        await server.start_server()
        try:
            yield str(server.make_url("/v1/traces"))
        finally:
            await server.close()
        return
    grpc_server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(GrpcReceiver(spans), grpc_server)
    port = free_port()
    grpc_server.add_insecure_port(f"127.0.0.1:{port}")
    await grpc_server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await grpc_server.stop(None)


def ancestors(span: Received, by_id: dict[str, Received]) -> list[Received]:
    chain = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


@pytest.mark.parametrize("transport", ["otlp_http", pytest.param("otlp_grpc", marks=pytest.mark.redis)])
async def test_one_request_is_one_trace_from_the_router_down_to_sql(transport, tmp_path, request):
    """Over gRPC the catalog also caches products in Redis, so its Redis calls join the trace."""
    spans: list[Received] = []
    # the catalog's cached rows expire on their own (CATALOG_PRODUCT_CACHE_TTL)
    redis = {"REDIS_URL": request.getfixturevalue("redis_url"), "CATALOG_PRODUCT_CACHE_TTL": "30",
             "GRAFT_REDIS_KEY_PREFIX": f"test:{uuid.uuid4().hex}:"} if transport == "otlp_grpc" else {}
    async with otlp_endpoint(transport, spans) as endpoint:
        request_id = await _one_traced_request(tmp_path, transport, endpoint, redis, spans)
    [root] = [s for s in spans if s.attributes.get("graft.request_id") == request_id]
    trace = [s for s in spans if s.trace_id == root.trace_id]
    by_id = {s.span_id: s for s in trace}
    assert root.service == "graft-router" and root.parent_id == ""
    stages = {s.name: s for s in trace if s.parent_id == root.span_id}
    assert {"stage identity", "stage document", "stage plan", "stage execute", "stage shape"} <= set(stages)
    [fetch] = [s for s in trace if s.name == "fetch catalog"]
    assert fetch.parent_id == stages["stage execute"].span_id and "product" in fetch.attributes["graphql.document"]
    [served] = [s for s in trace if s.service == "graft-catalog" and fetch in ancestors(s, by_id)
                and s.parent_id in by_id and by_id[s.parent_id].service == "graft-router"]
    sql = [s for s in trace if s.service == "graft-catalog" and "SELECT" in s.name]
    assert sql and all(served in ancestors(s, by_id) for s in sql), trace
    if redis:
        calls = [s for s in trace if s.service == "graft-catalog" and s.attributes.get("db.system") == "redis"]
        assert calls and all(served in ancestors(s, by_id) for s in calls), trace
    assert all(ancestors(s, by_id)[-1:] in ([root], []) for s in trace)
    print_tree(root, trace)


async def _one_traced_request(tmp_path, transport: str, endpoint: str, redis: dict[str, str],
                              spans: list[Received]) -> str:
    """One query through a traced router and catalog; its request id once the catalog's SQL
    (and Redis, when on) spans of its trace have arrived."""
    fast = {"OTEL_BSP_SCHEDULE_DELAY": "100"}
    catalog = await asyncio.to_thread(start_graft, "catalog", ["subgraph", "catalog"], {
        "GRAFT_DATA_DIR": str(tmp_path), "GRAFT_JOBS": "0", "GRAFT_TRACING_EXPORTER": transport,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint, **redis, **fast}, tmp_path)
    tracing = f"telemetry:\n  tracing:\n    enabled: true\n    exporter: {transport}\n    endpoint: {endpoint}\n"
    try:
        router = await asyncio.to_thread(start_router, "router", {"catalog": catalog}, tmp_path, tracing, fast)
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(router.graphql_url, json={"query": QUERY}) as resp:
                    assert (await resp.json())["data"]["product"]["name"]
                    request_id = resp.headers["X-Request-Id"]
            await _arrived(spans, request_id, want_redis=bool(redis))
        finally:
            await asyncio.to_thread(router.stop)
    finally:
        await asyncio.to_thread(catalog.stop)
    return request_id


async def _arrived(spans: list[Received], request_id: str, want_redis: bool) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mine = [s for s in spans if s.attributes.get("graft.request_id") == request_id]
        theirs = [s for s in spans if mine and s.service == "graft-catalog" and s.trace_id == mine[0].trace_id]
        if any("SELECT" in s.name for s in theirs) and (
                not want_redis or any(s.attributes.get("db.system") == "redis" for s in theirs)):
            return
        await asyncio.sleep(0.1)


def print_tree(root: Received, trace: list[Received]) -> None:
    """The trace as an operator's backend would draw it (shown with pytest -s)."""
    children: dict[str, list[Received]] = {}
    for span in trace:
        children.setdefault(span.parent_id, []).append(span)

    def walk(span: Received, depth: int) -> None:
        print(f"{'  ' * depth}{span.service}: {span.name}")
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    walk(root, 0)


def test_tracing_is_off_by_default_and_then_makes_no_tracer():
    from router.config import load_settings
    from router.features.tracing import start_tracing

    assert start_tracing(load_settings().telemetry.tracing) is None
