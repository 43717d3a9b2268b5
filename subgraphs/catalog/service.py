"""The catalog subgraph as an aiohttp application (strawberry's aiohttp view)."""

from __future__ import annotations

from aiohttp import web
from strawberry.printer import print_schema

from subgraphs.catalog import events
from subgraphs.catalog.cache import PRODUCT_CACHE, CatalogCacheSettings, ProductCache
from subgraphs.catalog.loaders import Loaders
from subgraphs.catalog.models import Base
from subgraphs.catalog.schema import CALLER_DEPENDENT, Context, schema
from subgraphs.catalog.seed import seed
from subgraphs.common import app as common
from subgraphs.common.cache_control import CachePolicy
from subgraphs.common.db import Database
from subgraphs.common.events import EventsBase
from subgraphs.common.events.service import ServiceEvents
from subgraphs.common.identity import Identity
from subgraphs.common.settings import ServiceSettings
from subgraphs.common.strawberry_view import SubgraphView


def database(settings: ServiceSettings) -> Database:
    """The service's database: its tables and the events tables, as its migrations make them."""
    return Database(settings.database_url, (Base.metadata, EventsBase.metadata), schema=settings.database_schema)


def create_app(settings: ServiceSettings) -> web.Application:
    db = database(settings)
    cache_settings = CatalogCacheSettings.from_env(settings.extra)
    policy = CachePolicy(cache_settings.max_age, CALLER_DEPENDENT)

    def context(request: web.Request, response: web.StreamResponse, db: Database, identity: Identity) -> Context:
        cache = request.app.get(PRODUCT_CACHE)
        return Context(request=request, db=db, loaders=Loaders(db, cache), identity=identity, response=response,
                       cache=cache, cache_policy=policy)

    app = common.create_app(settings, db, SubgraphView(schema, context), seed=seed,
                            events=ServiceEvents(handlers=events.handlers,
                                                 jobs=(events.expiry_job(settings.sweep_seconds),)))
    if settings.redis_url:
        app.cleanup_ctx.append(_product_cache(cache_settings))
    return app


def _product_cache(cache_settings: CatalogCacheSettings):
    """Product rows in Redis behind the loaders, and invalidation on writes (subgraphs/catalog/cache.py),
    on the subgraph's own Redis client (started before, closed after this)."""
    async def lifecycle(app: web.Application):
        redis = app[common.REDIS]
        if redis is None:
            raise RuntimeError("the product cache is set up only with REDIS_URL, whose client the app makes")
        app[PRODUCT_CACHE] = ProductCache(redis, cache_settings)
        yield

    return lifecycle


def sdl() -> str:
    return print_schema(schema)
