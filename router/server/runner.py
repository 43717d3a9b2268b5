"""The aiohttp runner the router serves with: HTTP that aiohttp cannot parse (a header field over
limits.max_header_bytes, a malformed header) is answered as a JSON GraphQL error that repeats
nothing it was sent, where aiohttp's own answer is plain text quoting the offending bytes.

aiohttp answers such requests before any middleware runs (RequestHandler.handle_error), so the
hook is a RequestHandler of our own; aiohttp offers no public way to name its class, hence the
small subclasses of Server and AppRunner below (covered by tests/router/server/test_edge_process.py)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong

log = logging.getLogger("graft.server")

TOO_LARGE = (431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "The request line or a header field is too large.")
MALFORMED = (400, "BAD_REQUEST", "The HTTP request is malformed.")
INTERNAL = (500, "INTERNAL_SERVER_ERROR", "Internal server error.")


def _refusal(status: int, exc: BaseException | None) -> tuple[int, str, str]:
    if isinstance(exc, LineTooLong) or (isinstance(exc, BadHttpMessage) and "Too many headers" in exc.message):
        return TOO_LARGE
    return INTERNAL if status >= 500 else MALFORMED


class GraphQLErrorRequestHandler(web.RequestHandler):
    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """A GraphQL-over-HTTP error body; the log names the kind of error, never its text (which
        holds what the client sent: a token, say)."""
        status, code, text = _refusal(status, exc)
        if status >= 500:
            log.error("error handling a request from %s", request.remote, exc_info=exc)
        else:
            log.info("refused unparsable HTTP from %s: %s", request.remote, type(exc).__name__)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        response = web.Response(status=status, body=orjson.dumps({"errors": [
            {"message": text, "extensions": {"code": code}}]}), content_type="application/json")
        response.force_close()
        return response


class _Server(web.Server):
    def __call__(self) -> web.RequestHandler:
        return GraphQLErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class RouterRunner(web.AppRunner):
    """web.AppRunner whose connections use GraphQLErrorRequestHandler."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()
        return _Server(made.request_handler, request_factory=made.request_factory,
                       handler_cancellation=made.handler_cancellation, loop=made._loop, **made._kwargs)


def handler_args(max_header_bytes: int) -> dict[str, Any]:
    """aiohttp's parser limits: the request line and each header field."""
    return {"max_line_size": max_header_bytes, "max_field_size": max_header_bytes}
