"""The properties every answer of the router must have, whatever was sent: a GraphQL response or
a GraphQL refusal, never a 5xx, and nothing of the machinery behind it in the body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# What only the router's insides would write: stack traces, SQL, drivers, addresses, file names.
LEAKS = ("Traceback", "[SQL", "sqlite", "asyncpg", "127.0.0.1", 'File "', ".py")


def problems(status: int, raw: bytes, sent: bytes) -> list[str]:
    """Every property this answer breaks (empty: it is fine)."""
    found = [f"status {status}"] if status >= 500 or status < 200 else []
    found += leaks(raw, sent)
    try:
        body = json.loads(raw)
    except ValueError:
        return [*found, "body is not JSON"]
    return found + shape(status, body)


def leaks(raw: bytes, sent: bytes) -> list[str]:
    """Markers in the answer that the request did not carry itself (an echo of the client's own
    text is not a leak). JSON strings are read unescaped too: `File \\"x.py\\"` is `File "x.py"`."""
    answer, request = _text(raw), _text(sent)
    return [f"leaks {marker!r}" for marker in LEAKS if marker.lower() in answer and marker.lower() not in request]


def _text(raw: bytes) -> str:
    """The bytes as text, lower-cased, followed by every string of the JSON in them, if they are JSON."""
    text = raw.decode("utf-8", "replace")
    try:
        strings = list(_strings(json.loads(raw)))
    except ValueError:
        strings = []
    return "\n".join([text, *strings]).lower()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def shape(status: int, body: Any) -> list[str]:
    """A GraphQL response (data and/or errors) on 200, a GraphQL error body on a 4xx."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    found = [f"unexpected key {key!r}" for key in body if key not in ("data", "errors", "extensions")]
    if "data" not in body and "errors" not in body:
        found.append("neither data nor errors")
    if status >= 400 and not body.get("errors"):
        found.append(f"a {status} without errors")
    if "data" in body and not (body["data"] is None or isinstance(body["data"], dict)):
        found.append("data is neither an object nor null")
    if "errors" in body:
        found += errors(body["errors"])
    return found


def errors(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["errors is not a non-empty list"]
    found = []
    for error in value:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            found.append(f"error without a string message: {error!r}"[:300])
            continue
        path = error.get("path")
        if path is not None and not (isinstance(path, list) and all(isinstance(p, (str, int)) for p in path)):
            found.append(f"path is not a list of names and indexes: {path!r}")
        locations = error.get("locations")
        if locations is not None and not (isinstance(locations, list) and all(
                isinstance(loc, dict) and isinstance(loc.get("line"), int) and isinstance(loc.get("column"), int)
                for loc in locations)):
            found.append(f"locations are not line/column pairs: {locations!r}")
    return found
