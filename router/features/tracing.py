"""OpenTelemetry tracing for the router, off by default. On, it sets the process's tracer
provider (sampler, exporter) and instruments aiohttp's client, so every subgraph request carries
W3C traceparent/tracestate and the subgraphs continue the trace. Off, nothing here runs and no
span is ever made: the handler, run_stages and the fetch layer get no tracer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from router.config import TracingSettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

TRACER_NAME = "graft.router"
_started: dict[str, Tracer] = {}  # one provider per process, however many apps or reloads


def _exporter(settings: TracingSettings) -> SpanExporter:
    if settings.exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if settings.exporter == "otlp_grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as Grpc

        return Grpc(endpoint=settings.endpoint, headers=settings.headers or None)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=settings.endpoint, headers=settings.headers or None)


def start_tracing(settings: TracingSettings) -> Tracer | None:
    """The router's tracer, or None when tracing is off."""
    if not settings.enabled:
        return None
    if TRACER_NAME in _started:
        return _started[TRACER_NAME]
    from opentelemetry import trace
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    ratio = TraceIdRatioBased(settings.sampling_ratio)
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}),
                              sampler=ParentBased(ratio) if settings.parent_based else ratio)
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings)))
    trace.set_tracer_provider(provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)
    tracer = _started[TRACER_NAME] = provider.get_tracer(TRACER_NAME)
    return tracer


@contextmanager
def request_span(tracer: Tracer, headers: Mapping[str, str], request_id: str) -> Iterator[Span]:
    """The request's span, continuing the caller's trace when it sent a traceparent."""
    from opentelemetry.propagate import extract
    from opentelemetry.trace import SpanKind

    with tracer.start_as_current_span("graphql request", context=extract(headers), kind=SpanKind.SERVER,
                                      attributes={"graft.request_id": request_id}) as span:
        yield span


def trace_id(span: Span) -> str | None:
    """The trace id (32 hex digits) when this request's trace is recorded."""
    context = span.get_span_context()
    return format(context.trace_id, "032x") if context.is_valid and context.trace_flags.sampled else None


def finish_span(span: Span, operation: str | None, status: int, codes: tuple[str, ...]) -> None:
    from opentelemetry.trace import Status, StatusCode

    if operation:
        span.set_attribute("graphql.operation.name", operation)
    span.set_attribute("http.response.status_code", status)
    if codes:
        span.set_attribute("graft.error_codes", list(codes))
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
