"""A minimal graphql-transport-ws client over aiohttp, for tests that speak to subgraphs (and for
checking the router's protocol errors message by message, which client libraries hide)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp

PROTOCOL = "graphql-transport-ws"


@dataclass
class Connection:
    ws: aiohttp.ClientWebSocketResponse

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_json(message)

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        """The next message other than ping/pong (answered)."""
        while True:
            message = await asyncio.wait_for(self.ws.receive(), timeout)
            if message.type != aiohttp.WSMsgType.TEXT:
                return {"type": "closed", "code": self.ws.close_code, "data": message.data,
                        "extra": message.extra}
            body = message.json()
            if body.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            if body.get("type") != "pong":
                return body

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
    await connection.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
    ack = await connection.receive()
    assert ack["type"] == "connection_ack", ack
    return connection
