"""The process's open subscriptions: each one subscribed through the pipeline's stages up to the
plan, held to its caller's cap, ended with a reason when its token expires or is revoked, or
(on_reload: close) when a new supergraph comes into service."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, web
from graphql import OperationType

from router.config import SubscriptionSettings
from router.features.identity import Authenticator
from router.features.metrics import SUBSCRIPTIONS_ENDED, SUBSCRIPTIONS_OPEN
from router.features.subscription_transport import NAME as TRANSPORT_STAGE
from router.gateway import Gateway
from router.pipeline import GraphQLRequest, RequestError, RouterRequest, run_stages
from router.pipeline.request import request_id
from router.server.pipeline import Pipeline
from router.server.reload import Swappable
from router.subscribing import FINAL_STAGES, responses

log = logging.getLogger("graft.subscriptions")
QUEUE = 16  # responses shaped ahead of a slow client; then the subgraph's socket waits
ENDED = "SUBSCRIPTION_CLOSED"


def ended(message: str, code: str = ENDED) -> dict[str, Any]:
    """The last result of a subscription the router ends: a GraphQL error saying why."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


@dataclass(eq=False)
class Subscription:
    """One client operation in progress; `results()` gives each response, then stops (after a
    last error result when the router ended it)."""

    hub: SubscriptionHub
    request: RouterRequest
    pipeline: Pipeline
    lease: AsyncExitStack
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE))
    pump: asyncio.Task[None] | None = None
    started: float = field(default_factory=time.monotonic)
    results_sent: int = 0
    reason: str = "complete"  # or the code of the error the router ended it with
    closed: bool = False
    counted: bool = False  # against its caller's cap (a subscription, not a query run over the socket)

    @property
    def key(self) -> str:
        return self.request.caller.key

    def start(self) -> None:
        self.pump = asyncio.create_task(self._pump(), name=f"subscription {self.request.request_id}")

    async def _pump(self) -> None:
        try:
            gateway = self.pipeline.service
            assert isinstance(gateway, Gateway)
            async for response in responses(gateway, self.request, self.hub.http, self.hub.event_timeout):
                await self.queue.put(response)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the subgraph went away: the client hears so, in words it may see
            log.warning("subscription %s: its source failed: %s", self.request.request_id, exc)
            self.reason = "SUBSCRIPTION_SOURCE_FAILED"
            await self.queue.put(ended("The subscription's source is unavailable.", self.reason))
        await self.queue.put(None)

    def end(self, result: dict[str, Any]) -> None:
        """Ends it from outside (token, reload): `result` is what the client receives last."""
        if self.closed:
            return
        self.reason = result["errors"][0]["extensions"]["code"]
        if self.pump is not None:
            self.pump.cancel()
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(result)
        self.queue.put_nowait(None)
        self.closed = True

    async def results(self) -> AsyncIterator[dict[str, Any]]:
        while (result := await self.queue.get()) is not None:
            self.results_sent += 1
            yield result

    async def close(self) -> None:
        """The client left or the stream ended: release the source, the cap and the lease."""
        self.closed = True
        if self.pump is not None:
            self.pump.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self.pump
        if self.hub.forget(self):
            log.info("subscription request_id=%s operation=%s caller=%s ended=%s results=%d duration_s=%.1f",
                     self.request.request_id, self.request.prepared().name, self.key, self.reason,
                     self.results_sent, time.monotonic() - self.started)
        await self.lease.aclose()


class SubscriptionHub:
    """Made once per process (it holds the subgraph WebSocket client and the per-caller counts)."""

    def __init__(self, settings: SubscriptionSettings, pipelines: Swappable[Pipeline], authenticator: Authenticator,
                 event_timeout: float) -> None:
        self.settings = settings
        self.pipelines = pipelines
        self.authenticator = authenticator
        self.event_timeout = event_timeout
        self.open: set[Subscription] = set()
        self.per_caller: Counter[str] = Counter()
        # its own pool: sockets to subgraphs are held for as long as subscriptions last, uncapped
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                          cookie_jar=aiohttp.DummyCookieJar())  # shared by every subscriber
        self.watcher: asyncio.Task[None] | None = None
        self.sockets: set[web.WebSocketResponse] = set()  # the clients' WebSockets, closed on shutdown

    def start(self) -> None:
        self.watcher = asyncio.create_task(self._watch(), name="subscription watcher")

    async def shutdown(self) -> None:
        """SIGTERM: every subscription ends saying why and every socket closes (1001, going away),
        so the handlers finish within the drain instead of holding it for its whole grace."""
        for subscription in list(self.open):
            subscription.end(ended("The router is shutting down; subscribe again."))
        await asyncio.sleep(0)  # the handlers send those last results
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"The router is shutting down")
                               for ws in list(self.sockets)), return_exceptions=True)

    async def close(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with suppress(asyncio.CancelledError):
                await self.watcher
        for subscription in list(self.open):
            subscription.end(ended("The router is shutting down."))
        await self.http.close()

    async def subscribe(self, graphql: GraphQLRequest, headers: Mapping[str, str], remote: str | None,
                        deadline: float) -> Subscription:
        """Runs the stages up to the plan (a refusal is a RequestError), then counts it against the
        caller's cap. A query or mutation runs whole: one result."""
        routed = RouterRequest(graphql, headers, remote, request_id=request_id(headers.get("X-Request-Id")),
                               deadline=deadline)
        lease = AsyncExitStack()
        pipeline = await lease.enter_async_context(self.pipelines.lease())
        try:
            stages = pipeline.stages
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await run_stages([s for s in stages if s.name not in (*FINAL_STAGES, TRANSPORT_STAGE)], routed)
                if routed.prepared().operation_type is not OperationType.SUBSCRIPTION:
                    await run_stages([s for s in stages if s.name in FINAL_STAGES], routed)
            counted = self._admit(routed)
        except TimeoutError:
            await lease.aclose()
            raise RequestError("The subscription was not set up within the request timeout.", status=504,
                               code="GATEWAY_TIMEOUT") from None
        except BaseException:
            await lease.aclose()
            raise
        subscription = Subscription(self, routed, pipeline, lease, counted=counted)
        self.open.add(subscription)
        if routed.response is not None:  # a query or mutation: answered already
            subscription.queue.put_nowait(routed.response.formatted())
            subscription.queue.put_nowait(None)
        else:
            subscription.start()
        return subscription

    def _admit(self, routed: RouterRequest) -> bool:
        """Counts a subscription against its caller's cap, or refuses it; True when counted."""
        if routed.response is not None:
            return False
        key = routed.caller.key
        if self.per_caller[key] >= self.settings.max_per_client:
            raise RequestError(f"Too many open subscriptions: at most {self.settings.max_per_client} per client.",
                               status=429, code="TOO_MANY_SUBSCRIPTIONS")
        self.per_caller[key] += 1
        SUBSCRIPTIONS_OPEN.inc()
        return True

    def forget(self, subscription: Subscription) -> bool:
        """True when it was open (and was a subscription): its end is counted and logged once."""
        if subscription not in self.open:
            return False
        self.open.discard(subscription)
        if subscription.counted:
            SUBSCRIPTIONS_OPEN.dec()
            SUBSCRIPTIONS_ENDED.labels(subscription.reason).inc()
            self.per_caller[subscription.key] -= 1
            if self.per_caller[subscription.key] <= 0:
                del self.per_caller[subscription.key]
        return subscription.counted

    async def _watch(self) -> None:
        """Once a second: expired tokens and (on_reload: close) old supergraphs; every
        auth_check_interval, the deny list."""
        last_check = time.monotonic()
        while True:
            await asyncio.sleep(min(1.0, self.settings.auth_check_interval))
            revocations = time.monotonic() - last_check >= self.settings.auth_check_interval
            if revocations:
                last_check = time.monotonic()
            for subscription in list(self.open):
                try:
                    await self._check(subscription, revocations)
                except Exception:
                    log.exception("checking subscription %s failed", subscription.request.request_id)

    async def _check(self, subscription: Subscription, revocations: bool) -> None:
        if subscription.closed:
            return
        if self.settings.on_reload == "close" and subscription.pipeline is not self.pipelines.current:
            subscription.end(ended("The router's supergraph changed; subscribe again."))
            return
        claims = subscription.request.caller.claims
        if claims is None:
            return
        if time.time() >= claims.expires_at:
            subscription.end(ended("The subscription's token expired; subscribe again with a new one.",
                                   "UNAUTHENTICATED"))
        elif revocations and await self.authenticator.revocations.is_revoked(claims.jti):
            subscription.end(ended("The subscription's token was revoked.", "UNAUTHENTICATED"))
