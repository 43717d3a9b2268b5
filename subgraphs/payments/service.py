"""The payments subgraph as an aiohttp application (ariadne, schema-first): /graphql, the providers'
webhooks (/webhooks/{stripe,paypal,offline}), the offline provider's payer pages, the consumers of
the order events and the reconciliation and refund jobs."""

from __future__ import annotations

import os
from pathlib import Path

from aiohttp import web
from ariadne import load_schema_from_path
from ariadne.contrib.federation import make_federated_schema

from subgraphs.common import app as common
from subgraphs.common.ariadne_view import ariadne_handler, served_sdl
from subgraphs.common.db import Database
from subgraphs.common.events import EventsBase
from subgraphs.common.events.service import ServiceEvents
from subgraphs.common.identity import Identity
from subgraphs.common.jobs import Job
from subgraphs.common.settings import ServiceSettings
from subgraphs.payments import consumers, offline_pages, reconcile, refunding, webhooks
from subgraphs.payments.loaders import Loaders
from subgraphs.payments.models import Base
from subgraphs.payments.providers import Providers
from subgraphs.payments.resolvers import Context, bindables
from subgraphs.payments.seed import seed
from subgraphs.payments.webhooks import DB, PROVIDERS

type_defs = load_schema_from_path(str(Path(__file__).with_name("schema.graphql")))
schema = make_federated_schema(type_defs, *bindables)

BATCH = 50


def public_url(settings: ServiceSettings) -> str:
    """Where payers and the offline provider's webhooks reach this service."""
    return (os.environ.get("GRAFT_PAYMENTS_PUBLIC_URL") or f"http://127.0.0.1:{settings.port}").rstrip("/")


async def _reconcile(app: web.Application) -> int:
    providers = app.get(PROVIDERS)
    return 0 if providers is None else await reconcile.reconcile(app[DB], providers, reconcile.age(), BATCH)


async def _sweep_refunds(app: web.Application) -> int:
    providers = app.get(PROVIDERS)
    return 0 if providers is None else await refunding.sweep(app[DB], providers, BATCH)


def events() -> ServiceEvents:
    return ServiceEvents(
        handlers=lambda app: consumers.handlers(app[DB], lambda: app[PROVIDERS]),
        jobs=(Job("payments-reconcile", reconcile.interval(), _reconcile, BATCH),
              Job("payments-refunds", reconcile.interval(), _sweep_refunds, BATCH)),
    )


def database(settings: ServiceSettings) -> Database:
    """The service's database: its tables and the events tables, as its migrations make them."""
    return Database(settings.database_url, (Base.metadata, EventsBase.metadata), schema=settings.database_schema)


def create_app(settings: ServiceSettings) -> web.Application:
    db = database(settings)

    def context(request: web.Request, db: Database, identity: Identity) -> Context:
        return Context(request, db, Loaders(db), identity, request.app[PROVIDERS])

    app = common.create_app(settings, db, ariadne_handler(schema, context), seed=seed, events=events())
    app[DB] = db
    app.router.add_post(webhooks.ROUTE, webhooks.handle)
    offline_pages.add_routes(app)

    async def providers(app: web.Application):
        app[PROVIDERS] = Providers.from_env(db, app[common.HTTP], public_url(settings))
        yield
        await app[PROVIDERS].close()

    app.cleanup_ctx.append(providers)
    return app


def sdl() -> str:
    return served_sdl(schema)
