"""The HTTP transport's consumer side: POST /events, which a producer's relay calls with its
service token (scope events:deliver). 200 with what became of the event (applied, duplicate,
ignored), or 500 when the handler failed so the relay tries again; refusals are JSON that
repeats nothing of the request."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from auth import scopes
from auth.tokens import TokenError
from subgraphs.common.events.service import Handler, apply, received
from subgraphs.common.identity import IdentityVerifier

log = logging.getLogger("graft.subgraph.events")


def _refuse(status: int, error: str, message: str) -> web.Response:
    headers = {"WWW-Authenticate": f'Bearer error="{error}"'} if status == 401 else None
    return web.json_response({"error": error, "message": message}, status=status, headers=headers)


async def receive(request: web.Request, verifier: IdentityVerifier, handlers: Mapping[str, Handler]) -> web.Response:
    try:
        identity = await verifier.identify(request.headers.get("Authorization"))
    except TokenError:
        return _refuse(401, "invalid_token", "The bearer token is not valid")
    if identity.anonymous:
        return _refuse(401, "invalid_token", "Events are delivered with a service token")
    if not identity.has_scope(scopes.EVENTS_DELIVER):
        return _refuse(403, "insufficient_scope", f"Delivering events needs the {scopes.EVENTS_DELIVER} scope")
    try:
        event = received(await request.read())
    except web.HTTPRequestEntityTooLarge:
        return _refuse(413, "too_large", "The body is too large for an event")
    except ValueError:
        return _refuse(400, "invalid_request", "The body is not an event envelope")
    try:
        outcome = await apply(handlers, event)
    except Exception:  # the relay retries; the cause is in our log, never in the answer
        log.exception("applying %s %s from %s failed", event.type, event.id, event.source)
        return web.json_response({"status": "failed"}, status=500)
    return web.json_response({"status": outcome})
