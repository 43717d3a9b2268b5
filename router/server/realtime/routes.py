"""Which requests to /graphql are subscriptions' transports: a WebSocket upgrade, a request that
accepts text/event-stream, or one that accepts multipart/mixed with subscriptionSpec. Everything
else goes to the ordinary GraphQL-over-HTTP handler, untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import hdrs, web

from router.config import RouterSettings
from router.server.realtime import streams, transport_ws
from router.server.pipeline import Pipeline
from router.server.realtime.hub import SubscriptionHub
from router.server.reload import Swappable
from router.server.resources import Resources

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HUB = web.AppKey("subscription_hub", SubscriptionHub)


def transport(request: web.Request) -> str | None:
    """"ws", "sse", "multipart", or None for plain GraphQL over HTTP."""
    if request.method == "GET" and request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
        return "ws"
    accept = request.headers.get(hdrs.ACCEPT, "").lower()
    if request.method not in ("GET", "POST"):
        return None
    if streams.EVENT_STREAM in accept:
        return "sse"
    if "multipart/mixed" in accept and "subscriptionspec" in accept:
        return "multipart"
    return None


def install(app: web.Application, graphql: Handler, settings: RouterSettings, pipelines: Swappable[Pipeline],
            resources: Resources) -> Handler:
    """A hub for `app` (started and closed with it, before its resources) and the handler to route."""
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        hub = app[HUB] = SubscriptionHub(settings.subscriptions, pipelines, resources.authenticator,
                                         settings.traffic.timeout)
        hub.start()
        yield
        await hub.close()

    async def shutdown(app: web.Application) -> None:
        await app[HUB].shutdown()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(shutdown)
    return with_subscriptions(graphql, settings)


def with_subscriptions(graphql: Handler, settings: RouterSettings) -> Handler:
    """`graphql` (the HTTP handler) with subscriptions' transports in front of it."""
    async def handler(request: web.Request) -> web.StreamResponse:
        kind = transport(request)
        if kind is None:
            return await graphql(request)
        hub = request.app[HUB]
        if kind == "ws":
            return await transport_ws.serve(request, hub, settings)
        if kind == "sse":
            return await streams.serve_sse(request, hub, settings)
        return await streams.serve_multipart(request, hub, settings)

    return handler
