"""The aiohttp application every subgraph runs: /graphql, /health, /metrics, database lifecycle."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable

import aiohttp
import orjson
import redis.asyncio as aioredis
from aiohttp import web

from auth.keys import KeyStore
from auth.tokens import TokenError, VerificationUnavailable
from subgraphs.common.credentials import SERVICE_SCOPES, ServiceClient, ServiceToken
from subgraphs.common.db import Database
from subgraphs.common.deadline import deadline_middleware
from subgraphs.common.events.runtime import EventsRuntime, receive_events
from subgraphs.common.events.service import ServiceEvents
from subgraphs.common.live import Broadcast, attach, live_channel
from subgraphs.common.jobs import start_jobs, stop_jobs
from subgraphs.common.identity import Identity, IdentityVerifier, auth_unavailable, unauthenticated
from subgraphs.common import metrics, migrations
from subgraphs.common.serving import run_forever
from subgraphs.common.settings import ServiceSettings, token_url
from subgraphs.common.tracing import trace_app

log = logging.getLogger("graft.subgraph")

DATABASE = web.AppKey("database", Database)
SETTINGS = web.AppKey("settings", ServiceSettings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
VERIFIER = web.AppKey("verifier", IdentityVerifier)
REDIS = web.AppKey[aioredis.Redis | None]("redis")  # the subgraph's one Redis client (REDIS_URL), or None
SERVICE_TOKEN = web.AppKey[ServiceToken | None]("service_token")  # for subgraphs that call another
LIVE = web.AppKey("live", Broadcast)  # notices of committed changes, for subscriptions

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_BODY = 1024 * 1024
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
REQUEST_ID_KEY = web.RequestKey("request_id", str)


def create_app(
    settings: ServiceSettings,
    database: Database,
    graphql: Handler,
    seed: migrations.Seeder | None = None,
    events: ServiceEvents | None = None,
    keys: KeyStore | None = None,
) -> web.Application:
    """`graphql` handles GET and POST /graphql the way the subgraph's library does it; `events`
    are the domain events the service consumes and the background jobs it runs; `keys` are the
    signing keys of the service that holds them (users), which verifies tokens with them: every
    other service verifies through its JWKS."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[deadline_middleware])
    app[SETTINGS] = settings
    app[DATABASE] = database
    app[LIVE] = live = Broadcast(live_channel(settings.name), settings.redis_url)
    attach(database.session_class, live)
    measured = metrics.timed(settings.name, graphql)
    app.router.add_route("GET", "/graphql", measured)
    app.router.add_route("POST", "/graphql", measured)
    app.router.add_get("/health", _health)
    app.router.add_get("/metrics", metrics.metrics)
    trace_app(app, settings.name, database)
    if events is not None:
        app.router.add_post("/events", receive_events)  # the HTTP transport's deliveries

    async def lifecycle(app: web.Application):
        await migrations.prepare(database, settings.name, settings.db_setup, seed if settings.seed else None)
        app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.peer_timeout),
                                          cookie_jar=aiohttp.DummyCookieJar())  # calls for many users: no cookies kept
        await live.start()
        redis = app[REDIS] = (aioredis.from_url(settings.redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
                              if settings.redis_url else None)
        app[VERIFIER] = IdentityVerifier.from_env(app[HTTP], redis, keys)
        app[SERVICE_TOKEN] = (ServiceToken(app[HTTP], token_url(), ServiceClient.from_env(settings.name))
                              if settings.name in SERVICE_SCOPES else None)
        jobs = start_jobs(app, list(events.jobs)) if events is not None and settings.jobs else []
        runtime = await EventsRuntime.start(app, settings, database, events.handlers(app), app[VERIFIER], app[HTTP],
                                            redis, app[SERVICE_TOKEN]) if events is not None else None
        log.info("%s subgraph ready on http://%s:%d/graphql", settings.name, settings.host, settings.port)
        yield
        if runtime is not None:
            await runtime.stop()
        await stop_jobs(jobs)
        await app[HTTP].close()
        await live.stop()
        if redis is not None:
            await redis.aclose()
        await database.dispose()

    app.cleanup_ctx.append(lifecycle)
    return app


async def _health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        await request.app[DATABASE].ping()
    except Exception:  # the point of a health check is to report, not raise; the cause is logged, not shown
        log.exception("%s health check: the database does not answer", settings.name)
        return web.json_response({"status": "down", "subgraph": settings.name, "error": "database unavailable"},
                                 status=503)
    # statements: SQL run so far, read by the bench for statements per request
    statements = request.app[DATABASE].statement_count
    return web.json_response({"status": "ok", "subgraph": settings.name, "statements": statements})


def request_id(request: web.Request) -> str:
    """The id an unexpected error's answer and log line share: the caller's X-Request-Id when it
    looks like one (the router's), else a new one; the same for the whole request."""
    if REQUEST_ID_KEY not in request:
        given = request.headers.get("X-Request-Id", "")
        request[REQUEST_ID_KEY] = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return request[REQUEST_ID_KEY]


async def request_identity(request: web.Request) -> Identity:
    """The caller's verified identity; a bad token ends the request with a 401."""
    try:
        return await request.app[VERIFIER].identify(request.headers.get("Authorization"))
    except VerificationUnavailable as exc:
        raise auth_unavailable(exc) from exc
    except TokenError as exc:
        raise unauthenticated(str(exc)) from exc


def mutation_over_get(operation_type: str) -> web.HTTPMethodNotAllowed:
    """GraphQL over HTTP: a GET may only run a query; anything else is a 405 naming POST."""
    body = {"errors": [{"message": f"A {operation_type} cannot be sent with GET; use POST.",
                        "extensions": {"code": "METHOD_NOT_ALLOWED"}}]}
    return web.HTTPMethodNotAllowed("GET", ["POST"], text=orjson.dumps(body).decode(),
                                    content_type="application/json")


def run(app: web.Application, settings: ServiceSettings) -> None:
    """Serve in the foreground on uvloop until SIGINT or SIGTERM (subgraphs/common/serving.py): stop
    accepting connections, give requests in flight `drain_seconds` to finish, then clean up."""
    run_forever(app, settings.host, settings.port, settings.drain_seconds)
