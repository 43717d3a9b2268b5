"""The orders subgraph as an aiohttp application (strawberry's aiohttp view)."""

from __future__ import annotations

from aiohttp import web
from strawberry.printer import print_schema

from subgraphs.common import app as common
from subgraphs.common.db import Database
from subgraphs.common.events import EventsBase
from subgraphs.common.events.service import ServiceEvents
from subgraphs.common.identity import Identity
from subgraphs.common.settings import ServiceSettings
from subgraphs.common.strawberry_view import SubgraphView
from subgraphs.orders import events
from subgraphs.orders.loaders import Loaders
from subgraphs.orders.placing import PaymentWindow
from subgraphs.orders.models import Base
from subgraphs.orders.schema import Context, schema
from subgraphs.orders.seed import seed


def database(settings: ServiceSettings) -> Database:
    """The service's database: its tables and the events tables, as its migrations make them."""
    return Database(settings.database_url, (Base.metadata, EventsBase.metadata), schema=settings.database_schema)


def create_app(settings: ServiceSettings) -> web.Application:
    db = database(settings)
    window = PaymentWindow.from_env()

    def context(request: web.Request, response: web.StreamResponse, db: Database, identity: Identity) -> Context:
        return Context(request=request, db=db, loaders=Loaders(db), identity=identity, response=response,
                       window=window)

    expiry = events.expiry_job(settings.sweep_seconds)
    return common.create_app(settings, db, SubgraphView(schema, context), seed=seed,
                             events=ServiceEvents(handlers=events.handlers, jobs=(expiry,)))


def sdl() -> str:
    return print_schema(schema)
