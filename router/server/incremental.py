"""multipart/mixed responses for @defer, as Apollo Router writes them (deferSpec=20220824): the
primary payload is written at once, each later one as the executor hands it over.

Framing (boundary "-"): the body opens with the delimiter `\r\n---`; each part is
`\r\ncontent-type: application/json; charset=utf-8`, a blank line, the JSON payload and the next
delimiter, written together so a client can read the part at once; the last delimiter is closed
with `--\r\n`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from router.pipeline import RouterRequest

log = logging.getLogger("graft.server")
DEFER_SPEC = "20220824"
CONTENT_TYPE = f'multipart/mixed;boundary="-";deferSpec={DEFER_SPEC}'
DELIMITER = b"\r\n---"
PART_HEAD = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
CLOSE = b"--\r\n"


def accepts_incremental(accept: str | None) -> bool:
    """The Accept header names multipart/mixed with our deferSpec (or no spec at all), at a quality
    above 0."""
    for entry in (accept or "").split(","):
        media, *params = (piece.strip() for piece in entry.split(";"))
        if media.lower() != "multipart/mixed":
            continue
        values = {name.strip().lower(): value.strip().strip('"') for name, _, value in
                  (param.partition("=") for param in params)}
        spec = values.get("deferspec")
        if spec != DEFER_SPEC and (spec is not None or "subscriptionspec" in values):
            continue  # another version, or the multipart of subscriptions only
        try:
            if float(values.get("q", "1")) > 0:
                return True
        except ValueError:
            continue
    return False


async def write_incremental(request: web.Request, routed: RouterRequest, headers: Mapping[str, str]
                            ) -> web.StreamResponse:
    """The first part at once, then each deferred part as it is ready, within the deadline."""
    assert routed.response is not None and routed.response.subsequent is not None
    response = web.StreamResponse(status=200, headers={**headers, "Content-Type": CONTENT_TYPE})
    await response.prepare(request)
    first = {**routed.response.formatted(), "hasNext": True}
    await response.write(DELIMITER + PART_HEAD + orjson.dumps(first) + DELIMITER)
    last: dict[str, Any] = {"hasNext": False}
    try:
        left = None if routed.deadline is None else max(0.0, routed.deadline - time.monotonic())
        async with asyncio.timeout(left):
            async for payload in routed.response.subsequent:
                await response.write(PART_HEAD + orjson.dumps(payload) + DELIMITER)
                routed.response.errors += [e for i in payload.get("incremental", ()) for e in i.get("errors", ())]
            last = {}
    except TimeoutError:
        last["errors"] = [{"message": "The request did not finish within its deadline.",
                           "extensions": {"code": "GATEWAY_TIMEOUT"}}]
    except (ConnectionResetError, asyncio.CancelledError):
        raise
    except Exception:  # a bug below us after the first part: end the stream with an error
        log.exception("request %s failed while streaming deferred parts", routed.request_id)
        last["errors"] = [{"message": "Internal server error.",
                           "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": routed.request_id}}]
    finally:
        await routed.response.subsequent.aclose()
    if last:
        await response.write(PART_HEAD + orjson.dumps(last) + DELIMITER)
    await response.write(CLOSE)
    await response.write_eof()
    return response
