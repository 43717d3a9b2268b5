"""The catalog subgraph as an aiohttp application (strawberry's aiohttp view)."""

from __future__ import annotations

from aiohttp import web
from strawberry.aiohttp.views import GraphQLView
from strawberry.printer import print_schema

from subgraphs.catalog.loaders import Loaders
from subgraphs.catalog.models import Base
from subgraphs.catalog.schema import Context, schema
from subgraphs.catalog.seed import seed
from subgraphs.common import app as common
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings


class CatalogView(GraphQLView):
    async def get_context(self, request: web.Request, response: web.StreamResponse) -> Context:
        db = request.app[common.DATABASE]
        identity = await common.request_identity(request)
        return Context(request=request, response=response, db=db, loaders=Loaders(db), identity=identity)


def create_app(settings: SubgraphSettings) -> web.Application:
    db = Database(settings.database_url, Base.metadata, schema=settings.database_schema)
    return common.create_app(settings, db, CatalogView(schema=schema, graphql_ide=None), seed=seed)


def sdl() -> str:
    return print_schema(schema)
