"""Subscriptions over one HTTP response each: graphql-sse's distinct connections mode
(`Accept: text/event-stream`; `next` events, then `complete`) and Apollo's multipart protocol
(`Accept: multipart/mixed;subscriptionSpec=1.0`; `{"payload": ...}` parts, `{}` heartbeats).
A request the router refuses (bad token, invalid document, a limit, the cap) is one result with
its errors, then the end, so clients see it as they see any result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from typing import Any

import orjson
from aiohttp import web

from router.config import RouterSettings
from router.pipeline import RequestError
from router.pipeline.request import REQUEST_ID_HEADER
from router.server.http import APPLICATION_JSON, error_response, read_request
from router.server.realtime.hub import Subscription, SubscriptionHub

EVENT_STREAM = "text/event-stream"
BOUNDARY = "graphql"
MULTIPART = f'multipart/mixed;boundary="{BOUNDARY}";subscriptionSpec="1.0"'
# every part ends with the next delimiter, so a client knows it is whole at once; "--" closes it
DELIMITER = f"\r\n--{BOUNDARY}".encode()
Writer = Callable[[dict[str, Any] | None], Awaitable[None]]  # None: a heartbeat


async def serve_sse(request: web.Request, hub: SubscriptionHub, settings: RouterSettings) -> web.StreamResponse:
    return await _stream(request, hub, settings, EVENT_STREAM, _sse_part, b"event: complete\ndata:\n\n", b"")


async def serve_multipart(request: web.Request, hub: SubscriptionHub, settings: RouterSettings) -> web.StreamResponse:
    return await _stream(request, hub, settings, MULTIPART, _multipart_part, b"--\r\n", DELIMITER)


def _sse_part(result: dict[str, Any] | None) -> bytes:
    if result is None:
        return b":\n\n"  # a comment: keeps proxies from timing the stream out
    return b"event: next\ndata: " + orjson.dumps(result) + b"\n\n"


def _multipart_part(result: dict[str, Any] | None) -> bytes:
    """Data as {"payload": result}; an error the router ends it with as transport errors."""
    if result is None:
        body = b"{}"
    elif result.get("data") is None and result.get("errors") and _ended(result):
        body = orjson.dumps({"payload": None, "errors": result["errors"]})
    else:
        body = orjson.dumps({"payload": result})
    return b"\r\nContent-Type: application/json\r\n\r\n" + body + DELIMITER


def _ended(result: dict[str, Any]) -> bool:
    codes = {(e.get("extensions") or {}).get("code") for e in result["errors"]}
    return bool(codes & {"SUBSCRIPTION_CLOSED", "SUBSCRIPTION_SOURCE_FAILED", "UNAUTHENTICATED"})


async def _stream(request: web.Request, hub: SubscriptionHub, settings: RouterSettings, media_type: str,
                  part: Callable[[dict[str, Any] | None], bytes], end: bytes, start: bytes) -> web.StreamResponse:
    try:
        graphql = await read_request(request, settings.limits.max_body_bytes)
    except RequestError as error:  # not a GraphQL request at all: a plain HTTP error
        return error_response(error, APPLICATION_JSON)
    response = web.StreamResponse(headers={"Content-Type": media_type, "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    subscription: Subscription | None = None
    try:
        deadline = time.monotonic() + settings.traffic.timeout
        subscription = await hub.subscribe(graphql, request.headers, request.remote, deadline)
        response.headers[REQUEST_ID_HEADER] = subscription.request.request_id
        await response.prepare(request)
        await response.write(start)
        await _relay(response, subscription.results(), part, settings.subscriptions.heartbeat)
    except RequestError as error:
        if not response.prepared:
            await response.prepare(request)
            await response.write(start)
        await response.write(part(error.body))
    except ConnectionResetError:  # the client left: nothing more to say
        return response
    finally:
        if subscription is not None:
            await subscription.close()
    with suppress(ConnectionResetError):
        await response.write(end)
        await response.write_eof()
    return response


async def _relay(response: web.StreamResponse, results: AsyncIterator[dict[str, Any]],
                 part: Callable[[dict[str, Any] | None], bytes], heartbeat: float) -> None:
    """Each result as a part; a heartbeat part whenever `heartbeat` seconds pass without one."""
    iterator = aiter(results)
    pending: asyncio.Task[dict[str, Any]] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=heartbeat)
            if not done:
                await response.write(part(None))
                continue
            try:
                result = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            await response.write(part(result))
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
