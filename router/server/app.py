"""The router's aiohttp application: /graphql, GraphiQL files, /health, /metrics."""

from __future__ import annotations

import os

import aiohttp
from aiohttp import web

from router.config import RouterSettings
from router.features.identity import AUTHENTICATOR, HTTP, Authenticator
from router.features.metrics import metrics_handler
from router.features.store import REDIS, connect
from router.features.rate_limits import setup_rate_limits
from router.server.cors import cors_middleware
from router.server.graphiql import ASSET_PREFIX, asset_handler
from router.server import oauth_proxy
from router.server.pipeline import Service, graphql_handler
from router.server.reload import Swappable

SERVICES = web.AppKey("services", Swappable)
SETTINGS = web.AppKey("settings", RouterSettings)


async def health(request: web.Request) -> web.Response:
    """Liveness: the process answers and has a supergraph in service."""
    service = request.app[SERVICES].current
    return web.json_response({"status": "ok", "pid": os.getpid(), "supergraph_sha": service.gateway.supergraph_sha})


def create_app(settings: RouterSettings, services: Swappable[Service]) -> web.Application:
    # The body limit is enforced while reading in router.server.http (413 with a GraphQL error);
    # aiohttp's own limit is set just above it as a backstop.
    app = web.Application(
        middlewares=[cors_middleware(settings.cors)],
        client_max_size=settings.limits.max_body_bytes + 1,
    )
    app[SETTINGS] = settings
    app[SERVICES] = services
    setup_rate_limits(app, settings.rate_limits, settings.redis)
    handler = graphql_handler(settings, services)
    app.router.add_route("*", "/graphql", handler)  # methods other than GET/POST get 405 there
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics_handler)
    app.router.add_get(ASSET_PREFIX + "{name}", asset_handler())
    if settings.auth.authorization_server:
        oauth_proxy.add_routes(app, oauth_proxy.OAuthProxy(str(settings.auth.authorization_server)))
    app.cleanup_ctx.append(_process_resources(settings))
    return app


def _process_resources(settings: RouterSettings):
    """What one router process shares across requests and reloads: HTTP client, Redis, auth."""

    async def lifecycle(app: web.Application):
        app[HTTP] = aiohttp.ClientSession()
        app[REDIS] = connect(settings)
        app[AUTHENTICATOR] = Authenticator.from_settings(settings, app[HTTP], app[REDIS])
        yield
        await app[HTTP].close()
        if app[REDIS] is not None:
            await app[REDIS].aclose()

    return lifecycle
