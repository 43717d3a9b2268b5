"""The router's deadline, honoured: a request carrying `X-Graft-Deadline-Ms` (milliseconds its
client has left) is cancelled when that passes, so a subgraph stops work nobody waits for any
more, and answers 504 with a GraphQL error saying so. Calls it makes to its peers meanwhile carry
what is left (`deadline_headers`), so the deadline travels the whole way."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

import orjson
from aiohttp import web

log = logging.getLogger("graft.subgraph")

DEADLINE_HEADER = "X-Graft-Deadline-Ms"
DEADLINE_EXCEEDED = {"errors": [{"message": "The request's deadline passed before the subgraph answered.",
                                 "extensions": {"code": "DEADLINE_EXCEEDED"}}]}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEADLINE: ContextVar[float | None] = ContextVar("graft_deadline", default=None)  # time.monotonic()


def seconds_left(request: web.Request) -> float | None:
    given = request.headers.get(DEADLINE_HEADER, "").strip()
    return int(given) / 1000 if given.isdigit() else None


@web.middleware
async def deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    left = seconds_left(request)
    if left is None:
        return await handler(request)
    token = DEADLINE.set(time.monotonic() + left)
    try:
        async with asyncio.timeout(left) as bound:
            return await handler(request)
    except TimeoutError:
        if not bound.expired():
            raise
        log.warning("%s %s: deadline of %.0f ms passed; handler cancelled", request.method, request.path, left * 1000)
        return web.Response(status=504, body=orjson.dumps(DEADLINE_EXCEEDED), content_type="application/json")
    finally:
        DEADLINE.reset(token)  # a keep-alive connection's next request starts without it


def deadline_headers() -> dict[str, str]:
    """For a call to a peer made while handling a request with a deadline: the time left."""
    deadline = DEADLINE.get()
    if deadline is None:
        return {}
    return {DEADLINE_HEADER: str(max(0, int((deadline - time.monotonic()) * 1000)))}
