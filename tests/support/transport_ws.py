"""A minimal graphql-transport-ws client over aiohttp, for tests that speak to subgraphs (and for
checking the router's protocol errors message by message, which client libraries hide)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

PROTOCOL = "graphql-transport-ws"


@dataclass
class Connection:
    """Reads all the time (so WebSocket pings are answered while a test does other things)."""

    ws: aiohttp.ClientWebSocketResponse
    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            message = await self.ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                await self.inbox.put({"type": "closed", "code": self.ws.close_code, "data": message.data,
                                      "extra": message.extra})
                return
            body = message.json()
            if body.get("type") == "ping":
                await self.send({"type": "pong"})
            elif body.get("type") != "pong":
                await self.inbox.put(body)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_json(message)

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        """The next message other than ping/pong (answered), or {"type": "closed", "code": ...}."""
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})

    async def next(self, id: str, timeout: float = 10) -> dict[str, Any]:
        message = await self.receive(timeout)
        assert message.get("id") == id and message["type"] == "next", message
        return message["payload"]


async def connect(http: aiohttp.ClientSession, url: str, payload: dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None) -> Connection:
    """Connected and acknowledged."""
    ws = await http.ws_connect(url, protocols=[PROTOCOL], headers=headers or {})
    connection = Connection(ws)
    connection.start()
    await connection.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
    ack = await connection.receive()
    assert ack["type"] == "connection_ack", ack
    return connection
