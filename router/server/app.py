"""The router's aiohttp application: /graphql, GraphiQL files, /health, /metrics, /oauth."""

from __future__ import annotations

import os

from aiohttp import web

from router.config import RouterSettings
from router.features.metrics import metrics_handler
from router.server import oauth_proxy
from router.server.cors import cors_middleware
from router.server.graphiql import ASSET_PREFIX, asset_handler, root_handler
from router.server.handler import graphql_handler
from router.server.pipeline import Pipeline
from router.server.realtime import routes as realtime
from router.server.reload import Swappable
from router.server.resources import RESOURCES, Resources
from router.server.runner import handler_args

PIPELINES = web.AppKey("pipelines", Swappable[Pipeline])
SETTINGS = web.AppKey("settings", RouterSettings)


async def health(request: web.Request) -> web.Response:
    """Liveness: the process answers and has a supergraph in service."""
    service = request.app[PIPELINES].current.service
    return web.json_response({"status": "ok", "pid": os.getpid(), "supergraph_sha": service.supergraph_sha})


async def ready(request: web.Request) -> web.Response:
    """Readiness: a supergraph is in service and every subgraph is reachable or has a circuit
    breaker (whose state the body gives); else 503 naming the subgraphs that are not."""
    service = request.app[PIPELINES].current.service
    subgraphs = await service.readiness()
    not_ready = [s.name for s in subgraphs if not s.ok]
    body = {"status": "not ready" if not_ready else "ready", "supergraph_sha": service.supergraph_sha,
            "not_ready": not_ready,
            "subgraphs": {s.name: {"reachable": s.reachable, "circuit": s.circuit} for s in subgraphs}}
    return web.json_response(body, status=503 if not_ready else 200)


def create_metrics_app(settings: RouterSettings) -> web.Application:
    """GET /metrics alone, for metrics.listen."""
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(settings.metrics.read_token()))
    return app


def create_app(settings: RouterSettings, pipelines: Swappable[Pipeline], resources: Resources) -> web.Application:
    """The app owns `resources` from here on: they close with it."""
    # The body limit is enforced while reading in router.server.http (413 with a GraphQL error);
    # aiohttp's own limit is set just above it as a backstop.
    app = web.Application(
        middlewares=[cors_middleware(settings.cors)],
        client_max_size=settings.limits.max_body_bytes + 1,
        handler_args=handler_args(settings.limits.max_header_bytes),
    )
    app[SETTINGS] = settings
    app[PIPELINES] = pipelines
    app[RESOURCES] = resources

    async def close_resources(_: web.Application) -> None:
        await resources.close()

    app.on_cleanup.append(close_resources)
    graphql: realtime.Handler = graphql_handler(settings, pipelines)
    if settings.subscriptions.enabled:  # WebSocket, SSE and multipart subscriptions in front of it
        graphql = realtime.install(app, graphql, settings, pipelines, resources)
    app.router.add_route("*", "/graphql", graphql)  # other methods get 405 there
    app.router.add_get("/", root_handler(settings.graphiql.enabled))  # browsers go on to GraphiQL
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    if settings.metrics.listen is None:
        app.router.add_get("/metrics", metrics_handler(settings.metrics.read_token()))
    app.router.add_get(ASSET_PREFIX + "{name}", asset_handler())
    if settings.auth.authorization_server:
        oauth_proxy.add_routes(app, oauth_proxy.OAuthProxy(str(settings.auth.authorization_server)))
    return app
