"""GraphQL over HTTP (the GraphQL-over-HTTP draft spec): reading requests, choosing the
response media type, status codes, writing responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from router.pipeline.request import GraphQLRequest, Method, RequestError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
TEXT_HTML = "text/html"


def _accept_entries(accept: str) -> list[tuple[str, float, int]]:
    entries = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            entries.append((media.lower(), quality, position))
    return entries


_OFFERED: dict[str, str] = {
    GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON,
    APPLICATION_JSON: APPLICATION_JSON,
    "application/*": APPLICATION_JSON,
    "*/*": APPLICATION_JSON,
    TEXT_HTML: TEXT_HTML,
    "text/*": TEXT_HTML,
}


def negotiate(accept: str | None, *, html: bool = False) -> str | None:
    """The highest-priority media type we can serve, or None (→ 406). No Accept header means
    application/graphql-response+json (the spec's default since 2025). `html` offers text/html
    (GraphiQL) as well; wildcards never select it."""
    if not accept or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    ranked = sorted(_accept_entries(accept), key=lambda e: (-e[1], e[2]))
    for media, quality, _ in ranked:
        chosen = _OFFERED.get(media)
        if quality <= 0 or chosen is None:
            continue
        if chosen == TEXT_HTML and not (html and media == TEXT_HTML):
            continue
        return chosen
    return None


def _optional_str(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"'{name}' must be a string, not {_json_type(value)}.")
    return value


def _optional_map(params: Mapping[str, Any], name: str, *, from_query_string: bool) -> dict[str, Any]:
    value = params.get(name)
    if from_query_string and isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise RequestError(f"'{name}' in the URL is not valid JSON: {exc}") from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"'{name}' must be an object (map), not {_json_type(value)}.")
    return value


def _json_type(value: Any) -> str:
    for kind, name in ((bool, "a boolean"), (str, "a string"), (int, "a number"), (float, "a number"),
                       (list, "an array"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return "null"


def parse_params(params: Mapping[str, Any], method: Method) -> GraphQLRequest:
    """Check the request parameters' types; GET carries variables/extensions as JSON text. A
    persisted document (`documentId`, or `extensions.persistedQuery`) may stand in for `query`."""
    query = params.get("query")
    document_id = _optional_str(params, "documentId")
    from_url = method == "GET"
    extensions = _optional_map(params, "extensions", from_query_string=from_url)
    if not query and document_id is None and "persistedQuery" not in extensions:
        raise RequestError("The request has no 'query' parameter." if query is None else "The request's 'query' is empty.")
    if query is not None and not isinstance(query, str):
        raise RequestError(f"'query' must be a string, not {_json_type(query)}.")
    if query is not None and document_id is not None:
        raise RequestError("Send either 'query' or 'documentId', not both.")
    return GraphQLRequest(
        query=query or "",
        operation_name=_optional_str(params, "operationName"),
        variables=_optional_map(params, "variables", from_query_string=from_url),
        extensions=extensions,
        method=method,
        document_id=document_id,
    )


def _content_type_is_json(request: web.Request) -> bool:
    if "Content-Type" not in request.headers:
        raise RequestError("A POST request needs a Content-Type header (application/json).", status=415)
    if request.content_type != APPLICATION_JSON:
        raise RequestError(f"Unsupported Content-Type {request.content_type!r}; use application/json.", status=415)
    charset = (request.charset or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise RequestError(f"Unsupported charset {charset!r}; use utf-8.", status=415)
    return True


async def _read_body(request: web.Request, max_body_bytes: int) -> bytes:
    too_large = RequestError(f"The request body is larger than {max_body_bytes} bytes.", status=413)
    if request.content_length is not None and request.content_length > max_body_bytes:
        raise too_large
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body.extend(chunk)
        if len(body) > max_body_bytes:
            raise too_large
    return bytes(body)


async def read_request(request: web.Request, max_body_bytes: int) -> GraphQLRequest:
    """HTTP request → GraphQLRequest, or RequestError with the status the spec asks for."""
    if request.method == "GET":
        return parse_params(request.query, "GET")
    if request.method != "POST":
        raise RequestError("Use GET or POST.", status=405, headers={"Allow": "GET, POST"})
    _content_type_is_json(request)
    body = await _read_body(request, max_body_bytes)
    if not body.strip():
        raise RequestError("The POST request has no body; send a JSON object with a 'query'.")
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise RequestError(f"The request body must be a JSON object, not {_json_type(params)}.")
    return parse_params(params, "POST")


def status_for(result: Mapping[str, Any], media_type: str, *, request_error: bool) -> int:
    """Status for a GraphQL response to a well-formed request. With application/json it is
    always 200; with application/graphql-response+json a response without `data`, or one
    refused before execution (parse, validation, operation choice), is 400."""
    if media_type == APPLICATION_JSON:
        return 200
    if request_error or "data" not in result:
        return 400
    return 200


def graphql_response(result: Mapping[str, Any], media_type: str, status: int = 200,
                     headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(result),
        status=status,
        headers={"Content-Type": f"{media_type}; charset=utf-8", **(headers or {})},
    )


def error_response(error: RequestError, media_type: str | None) -> web.Response:
    """A refusal as a GraphQL response without `data`."""
    media_type = media_type or APPLICATION_JSON
    status = error.status if error.status is not None else status_for(error.body, media_type, request_error=True)
    return graphql_response(error.body, media_type, status, error.headers)
