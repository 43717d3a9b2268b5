"""OpenTelemetry tracing for a subgraph, off unless GRAFT_TRACING_EXPORTER is set (otlp_http,
otlp_grpc or console). On, the subgraph continues the caller's trace (W3C traceparent, aiohttp server
middleware) down to its SQL (the database engine's statements) and Redis calls, and its own calls
to peers carry the trace on. The OTLP endpoint and headers are OpenTelemetry's own variables
(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, ..._HEADERS); GRAFT_TRACING_SAMPLING_RATIO (1.0) decides
for traces that start here, a caller's decision is followed."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aiohttp import web

from subgraphs.common.db import Database

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

EXPORTERS = ("otlp_http", "otlp_grpc", "console")
_providers: dict[str, TracerProvider] = {}  # one per process


def _provider(service: str, exporter: str) -> TracerProvider:
    if "provider" in _providers:
        return _providers["provider"]
    from opentelemetry import trace
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    ratio = float(os.environ.get("GRAFT_TRACING_SAMPLING_RATIO", "1.0"))
    provider = TracerProvider(resource=Resource.create({"service.name": f"graft-{service}"}),
                              sampler=ParentBased(TraceIdRatioBased(ratio)))
    span_exporter: SpanExporter
    if exporter == "console":
        span_exporter = ConsoleSpanExporter()
    elif exporter == "otlp_grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as Grpc

        span_exporter = Grpc()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)  # calls to peers
    RedisInstrumentor().instrument(tracer_provider=provider)
    # reads the excluded-URL settings the middleware needs (and would wrap apps made from now on)
    AioHttpServerInstrumentor().instrument(tracer_provider=provider)
    _providers["provider"] = provider
    return provider


def trace_app(app: web.Application, service: str, database: Database) -> None:
    """With GRAFT_TRACING_EXPORTER set: the server middleware first (the request's span, from
    the caller's traceparent), SQL spans from the engine; at cleanup, buffered spans exported."""
    exporter = os.environ.get("GRAFT_TRACING_EXPORTER", "").strip()
    if not exporter:
        return
    if exporter not in EXPORTERS:
        raise ValueError(f"GRAFT_TRACING_EXPORTER must be one of {', '.join(EXPORTERS)}, not {exporter!r}")
    from opentelemetry.instrumentation.aiohttp_server import create_aiohttp_middleware
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    provider = _provider(service, exporter)
    app.middlewares.insert(0, create_aiohttp_middleware(tracer_provider=provider))
    # the engine's own tracer: SQLAlchemyInstrumentor refuses SQLAlchemy 2.1 by its version range,
    # while the engine events it listens to are the same (no meter provider: the usage counter is a no-op)
    usage = get_meter("graft.subgraph.sql").create_up_down_counter("db.client.connections.usage")
    for engine in database.engines:
        EngineTracer(provider.get_tracer("graft.subgraph.sql"), engine, usage)

    async def flush(_: web.Application) -> None:
        provider.force_flush()

    app.on_cleanup.append(flush)
