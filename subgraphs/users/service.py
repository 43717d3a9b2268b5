"""The users subgraph as an aiohttp application (ariadne, schema-first), with the OAuth2
authorization server's routes beside /graphql."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from ariadne import load_schema_from_path
from ariadne.contrib.federation import make_federated_schema

from auth.keys import KeyStore, default_keys_path
from subgraphs.common import app as common
from subgraphs.common.ariadne_view import ariadne_handler, served_sdl
from subgraphs.common.db import Database
from subgraphs.common.identity import Identity
from subgraphs.common.settings import ServiceSettings
from subgraphs.users import oauth_routes
from subgraphs.users.loaders import Loaders
from subgraphs.users.models import Base
from subgraphs.users.resolvers import Context, bindables
from subgraphs.users.seed import seed

type_defs = load_schema_from_path(str(Path(__file__).with_name("schema.graphql")))
schema = make_federated_schema(type_defs, *bindables)


def database(settings: ServiceSettings) -> Database:
    """The service's database: its tables, as its migrations make them."""
    return Database(settings.database_url, Base.metadata, schema=settings.database_schema)


def create_app(settings: ServiceSettings) -> web.Application:
    db = database(settings)

    def context(request: web.Request, db: Database, identity: Identity) -> Context:
        return Context(request, db, Loaders(db), identity)

    keys = KeyStore.open(default_keys_path())  # GRAFT_KEYS_FILE: read here, and by no other service
    app = common.create_app(settings, db, ariadne_handler(schema, context), seed=seed, keys=keys)
    oauth_routes.setup(app, keys)
    return app


def sdl() -> str:
    return served_sdl(schema)
