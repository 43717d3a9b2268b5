"""The users subgraph as an aiohttp application (ariadne, schema-first)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from ariadne import load_schema_from_path
from ariadne.contrib.federation import make_federated_schema

from subgraphs.common import app as common
from subgraphs.common.ariadne_view import ariadne_handler, served_sdl
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings
from subgraphs.users.loaders import Loaders
from subgraphs.users.models import Base
from subgraphs.users.resolvers import Context, bindables
from subgraphs.users.seed import seed

type_defs = load_schema_from_path(str(Path(__file__).with_name("schema.graphql")))
schema = make_federated_schema(type_defs, *bindables)


def create_app(settings: SubgraphSettings) -> web.Application:
    db = Database(settings.database_url, Base.metadata, schema=settings.database_schema)
    handler = ariadne_handler(schema, lambda request, db, identity: Context(request, db, Loaders(db), identity))
    return common.create_app(settings, db, handler, seed=seed)


def sdl() -> str:
    return served_sdl(schema)
