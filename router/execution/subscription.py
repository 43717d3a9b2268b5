"""A subscription's plan at run time: its root fetch is a subscription to the owning subgraph
over WebSocket (graphql-transport-ws, aiohttp's client), and each event it sends runs the whole
plan again with that root fetch answered by the event, so entity fetches to other subgraphs,
merging and errors work exactly as for a query."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from router.execution.client import INVALID_RESPONSE, SubgraphError, SubgraphRequest, SubgraphResponse, Subgraphs
from router.planning.plan import FetchNode, PlanNode, QueryPlan, SequenceNode

PROTOCOL = "graphql-transport-ws"
ACK_TIMEOUT = 10.0  # seconds the subgraph has to acknowledge connection_init
MAX_EVENT_BYTES = 16 * 1024 * 1024  # the largest event a subgraph may send


class NotASubscriptionPlan(ValueError):
    """The plan does not start with one subscription fetch (a bug in the caller: the operation
    was not a subscription)."""


def root_fetch(plan: QueryPlan) -> FetchNode:
    """The subscription fetch the plan starts with: a subscription has exactly one root field
    (GraphQL's single-root-field rule), owned by one subgraph."""
    node: PlanNode | None = plan.node
    if isinstance(node, SequenceNode) and node.nodes:
        node = node.nodes[0]
    if not isinstance(node, FetchNode) or node.operation_kind != "subscription":
        raise NotASubscriptionPlan("a subscription plan starts with its subscription fetch")
    return node


@dataclass(frozen=True)
class EventSubgraphs:
    """A Subgraphs layer for one event: the root fetch is answered by the event, every other
    fetch goes on to `inner` (the client and its layers)."""

    inner: Subgraphs
    root: FetchNode
    event: dict[str, Any]

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        if request.service == self.root.service_name and request.query == self.root.operation:
            return SubgraphResponse(self.event, 200, None)
        return await self.inner.send(request)


class SourceStream:
    """The subgraph's event stream for one subscription, over its own WebSocket, so its end (and
    the subgraph's auth of it) is this subscription's alone."""

    def __init__(self, http: aiohttp.ClientSession, url: str, fetch: FetchNode, variables: Mapping[str, Any],
                 headers: Mapping[str, str]) -> None:
        self.http, self.url, self.fetch = http, url, fetch
        self.variables = {name: variables[name] for name in fetch.variable_usages if name in variables}
        self.headers = dict(headers)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Each `next` payload; ends on `complete`; an `error` message is one last event with
        errors; a failure to connect or a dropped socket raises SubgraphError."""
        service = self.fetch.service_name
        try:
            ws = await self.http.ws_connect(self.url, protocols=[PROTOCOL], headers=self.headers,
                                            max_msg_size=MAX_EVENT_BYTES, autoping=True)
        except (aiohttp.ClientError, OSError) as exc:
            raise SubgraphError(f"{service}: cannot subscribe: {exc}") from exc
        try:
            await self._start(ws)
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                body = orjson.loads(message.data)
                kind = body.get("type") if isinstance(body, dict) else None
                if kind == "ping":
                    await ws.send_str('{"type":"pong"}')
                elif kind == "next" and isinstance(body.get("payload"), dict):
                    yield body["payload"]
                elif kind == "error":
                    yield {"data": None, "errors": body.get("payload") or [{"message": "Subscription refused"}]}
                    return
                elif kind == "complete":
                    return
            raise SubgraphError(f"{service}: the subscription's socket closed ({ws.close_code})")
        except (aiohttp.ClientError, orjson.JSONDecodeError, OSError) as exc:
            raise SubgraphError(f"{service}: subscription failed: {exc}", INVALID_RESPONSE) from exc
        finally:
            await ws.close()

    async def _start(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        init: dict[str, Any] = {"type": "connection_init"}
        if "Authorization" in self.headers:
            init["payload"] = {"Authorization": self.headers["Authorization"]}
        await ws.send_str(orjson.dumps(init).decode())
        try:
            async with asyncio.timeout(ACK_TIMEOUT):
                ack = await ws.receive()
        except TimeoutError:
            raise SubgraphError(f"{self.fetch.service_name}: no connection_ack") from None
        if ack.type != aiohttp.WSMsgType.TEXT or orjson.loads(ack.data).get("type") != "connection_ack":
            raise SubgraphError(f"{self.fetch.service_name}: connection refused ({ws.close_code})")
        subscribe = {"id": "1", "type": "subscribe",
                     "payload": {"query": self.fetch.operation, "variables": self.variables}}
        await ws.send_str(orjson.dumps(subscribe).decode())
