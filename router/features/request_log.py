"""One log line per request the router answers, whatever the outcome (200, 400, 401, 429, 500):
who asked (client name and version), what (operation), how it went (status, error codes) and what
it cost (duration, subgraph fetches). Logger `graft.requests`; `telemetry.logs.format` chooses
readable text or one JSON object per line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from router.pipeline.request import RouterRequest

log = logging.getLogger("graft.requests")

CLIENT_NAME_HEADER = "apollographql-client-name"
CLIENT_VERSION_HEADER = "apollographql-client-version"
MAX_TEXT = 100  # client-chosen names are cut short: a log line is not an echo of the request
LogFormat = Literal["text", "json"]


@dataclass(frozen=True)
class RequestSummary:
    """What the log line (and the request metrics) say about one request."""

    time: str
    request_id: str
    trace_id: str | None  # when tracing is on and this request's trace is recorded
    operation: str | None
    client_name: str | None
    client_version: str | None
    status: int
    duration_ms: float
    subgraph_fetches: int
    error_codes: tuple[str, ...]


def _cut(value: str | None) -> str | None:
    return value[:MAX_TEXT] if value else None


def error_codes(errors: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Each distinct `extensions.code` of a response's errors, in order."""
    codes: dict[str, None] = {}
    for error in errors:
        extensions = error.get("extensions")
        code = extensions.get("code") if isinstance(extensions, Mapping) else None
        codes[code if isinstance(code, str) else "UNKNOWN"] = None
    return tuple(codes)


def summarize(request_id: str, headers: Mapping[str, str], routed: RouterRequest | None, status: int,
              seconds: float, codes: tuple[str, ...], trace_id: str | None = None) -> RequestSummary:
    """The summary of an answered request; `routed` is None when the request never became one
    (unreadable body, 406)."""
    operation = None
    if routed is not None:
        operation = routed.operation.name if routed.operation is not None else routed.graphql.operation_name
    fetches = routed.execution.fetches if routed is not None and routed.execution is not None else 0
    return RequestSummary(
        time=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        request_id=request_id, trace_id=trace_id, operation=_cut(operation),
        client_name=_cut(headers.get(CLIENT_NAME_HEADER)), client_version=_cut(headers.get(CLIENT_VERSION_HEADER)),
        status=status,
        duration_ms=round(seconds * 1000, 3), subgraph_fetches=fetches, error_codes=codes)


def as_text(summary: RequestSummary) -> str:
    """key=value pairs; strings JSON-quoted when they hold anything but plain characters, so a
    client's name cannot forge a second line."""
    parts = []
    for key, value in vars(summary).items():  # shallow: dataclasses.asdict deep-copies, per request
        if key == "time" or value is None or value == ():
            continue
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        if not text.replace("-", "").replace("_", "").replace(".", "").replace(",", "").isalnum():
            text = orjson.dumps(text).decode()
        parts.append(f"{key}={text}")
    return "request " + " ".join(parts)


def as_json(summary: RequestSummary) -> str:
    fields = dict(vars(summary))
    if fields["trace_id"] is None:
        del fields["trace_id"]
    return orjson.dumps(fields).decode()


class _Plain(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


def configure(fmt: LogFormat) -> None:
    """json: the request lines go to stderr alone, unprefixed (one JSON object per line); text:
    through the process's own log format like every other line."""
    for handler in [h for h in log.handlers if getattr(h, "graft_requests", False)]:
        log.removeHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = fmt == "text"
    if fmt == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Plain())
        setattr(handler, "graft_requests", True)
        log.addHandler(handler)


def write(summary: RequestSummary, fmt: LogFormat) -> None:
    log.info("%s", as_json(summary) if fmt == "json" else as_text(summary))
