"""GraphQL over WebSocket as the graphql-ws library speaks it (graphql-transport-ws): connection_init
(its payload's Authorization, else the upgrade's header, verified before the ack), subscribe,
next/error/complete, ping/pong. A message the protocol does not allow closes the socket with the
protocol's code and a reason; nothing it asked for is started."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSCloseCode, WSMsgType, web
from multidict import CIMultiDict

from router.config import RouterSettings
from router.pipeline import GraphQLRequest, RequestError
from router.server.realtime.hub import Subscription, SubscriptionHub

log = logging.getLogger("graft.subscriptions")
PROTOCOL = "graphql-transport-ws"
# the protocol's close codes
BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_ACCEPTABLE = 4400, 4401, 4403, 4406
INIT_TIMEOUT, DUPLICATE_ID, TOO_MANY_INITS = 4408, 4409, 4429


class ProtocolError(Exception):
    """Ends the connection: `code` and `reason` as graphql-transport-ws gives them."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class Connection:
    """One client socket: its verified headers once initialised, and its operations by id."""

    ws: web.WebSocketResponse
    request: web.Request
    hub: SubscriptionHub
    settings: RouterSettings
    headers: CIMultiDict[str] | None = None  # set by connection_init
    acknowledged: bool = False
    operations: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def handle(self, text: str) -> None:
        message = _message(text)
        kind = message["type"]
        if kind == "connection_init":
            await self._init(message.get("payload"))
        elif kind == "ping":
            await self.send({"type": "pong", **({"payload": message["payload"]} if "payload" in message else {})})
        elif kind == "pong":
            return
        elif kind == "subscribe":
            self._subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(_id(message), None)
            if task is not None:  # ended, and off its caller's cap, before the next message is read
                task.cancel()
                await asyncio.wait([task])
        else:
            raise ProtocolError(BAD_REQUEST, f"Invalid message: unknown type {kind!r}")

    async def _init(self, payload: Any) -> None:
        if self.headers is not None:
            raise ProtocolError(TOO_MANY_INITS, "Too many initialisation requests")
        if payload is not None and not isinstance(payload, dict):
            raise ProtocolError(BAD_REQUEST, "Invalid message: connection_init's payload must be an object")
        headers = CIMultiDict(self.request.headers)
        token = (payload or {}).get("Authorization") or (payload or {}).get("authorization")
        if token is not None:
            if not isinstance(token, str):
                raise ProtocolError(BAD_REQUEST, "Invalid message: Authorization must be a string")
            headers["Authorization"] = token
        self.headers = headers
        try:
            await self.hub.authenticator.caller(headers, self.request.remote)
        except RequestError as error:
            raise ProtocolError(FORBIDDEN, error.message[:120]) from None
        self.acknowledged = True
        await self.send({"type": "connection_ack"})

    def _subscribe(self, message: dict[str, Any]) -> None:
        if not self.acknowledged:
            raise ProtocolError(UNAUTHORIZED, "Unauthorized")
        id = _id(message)
        if id in self.operations:
            raise ProtocolError(DUPLICATE_ID, f"Subscriber for {id} already exists")
        graphql = _graphql(message.get("payload"))
        self.operations[id] = asyncio.create_task(self._run(id, graphql))

    async def _run(self, id: str, graphql: GraphQLRequest) -> None:
        assert self.headers is not None
        subscription: Subscription | None = None
        try:
            deadline = time.monotonic() + self.settings.traffic.timeout
            subscription = await self.hub.subscribe(graphql, self.headers, self.request.remote, deadline)
        except RequestError as error:
            self.operations.pop(id, None)
            await self.send({"type": "error", "id": id, "payload": error.errors})
            return
        except Exception:  # a bug below us: said as a GraphQL error, the details in the log
            log.exception("subscribe %s failed", id)
            self.operations.pop(id, None)
            await self.send({"type": "error", "id": id, "payload": [
                {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]})
            return
        try:
            async for result in subscription.results():
                await self.send({"type": "next", "id": id, "payload": result})
            if self.operations.pop(id, None) is not None:
                await self.send({"type": "complete", "id": id})
        finally:
            await subscription.close()

    async def send(self, message: Mapping[str, Any]) -> None:
        if not self.ws.closed:
            await self.ws.send_str(orjson.dumps(message).decode())

    async def close(self) -> None:
        tasks = list(self.operations.values())
        self.operations.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task


def _message(text: str) -> dict[str, Any]:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ProtocolError(BAD_REQUEST, "Invalid message: not JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError(BAD_REQUEST, "Invalid message: an object with a type is expected")
    return message


def _id(message: dict[str, Any]) -> str:
    id = message.get("id")
    if not isinstance(id, str) or not id or len(id) > 256:
        raise ProtocolError(BAD_REQUEST, f"Invalid message: {message['type']} needs an id (a string)")
    return id


def _graphql(payload: Any) -> GraphQLRequest:
    """subscribe's payload as a GraphQL request; the document stage checks the rest."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise ProtocolError(BAD_REQUEST, "Invalid message: subscribe needs a payload with a query")
    variables, name = payload.get("variables") or {}, payload.get("operationName")
    extensions = payload.get("extensions") or {}
    if not isinstance(variables, dict) or not isinstance(extensions, dict) or not isinstance(name, (str, type(None))):
        raise ProtocolError(BAD_REQUEST, "Invalid message: variables and extensions are objects, "
                                         "operationName a string")
    return GraphQLRequest(payload["query"], name, variables, extensions)


async def serve(request: web.Request, hub: SubscriptionHub, settings: RouterSettings) -> web.WebSocketResponse:
    """The socket until the client or the router closes it."""
    options = settings.subscriptions
    ws = web.WebSocketResponse(protocols=[PROTOCOL], heartbeat=options.heartbeat,
                               max_msg_size=options.max_message_bytes)
    await ws.prepare(request)
    if ws.ws_protocol != PROTOCOL:
        await ws.close(code=NOT_ACCEPTABLE, message=b"Subprotocol not acceptable")
        return ws
    connection = Connection(ws, request, hub, settings)
    hub.sockets.add(ws)
    timer = asyncio.get_running_loop().call_later(options.connection_init_timeout, _init_timeout, connection)
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await connection.handle(message.data)
            elif message.type == WSMsgType.BINARY:
                raise ProtocolError(BAD_REQUEST, "Invalid message: binary frames are not GraphQL messages")
            if connection.acknowledged:
                timer.cancel()
        if message_too_big(ws):
            log.info("WebSocket from %s closed: a message over %d bytes", request.remote, options.max_message_bytes)
    except ProtocolError as error:
        await ws.close(code=error.code, message=error.reason.encode())
    finally:
        timer.cancel()
        hub.sockets.discard(ws)
        await connection.close()
    return ws


def message_too_big(ws: web.WebSocketResponse) -> bool:
    return ws.close_code == WSCloseCode.MESSAGE_TOO_BIG


def _init_timeout(connection: Connection) -> None:
    if not connection.acknowledged and not connection.ws.closed:
        asyncio.ensure_future(connection.ws.close(code=INIT_TIMEOUT, message=b"Connection initialisation timeout"))
