"""The catalog's Redis: hot product rows behind the DataLoaders, and invalidation on writes.

A write (after its commit) deletes the product's cached rows and sets the entity version keys
the router's entity cache puts in its keys (`<prefix>entity-version:<Type>:<field>=<value>`),
for the product's id and sku and its categories, so no router serves the old entity again.
Redis errors never fail a request: reads fall back to SQL, logged once per incident."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError

from sqlalchemy import select

from subgraphs.catalog.models import Product, ProductRow
from subgraphs.common.db import Database

log = logging.getLogger("graft.catalog.cache")
T = TypeVar("T")
COLUMNS = tuple(column.key for column in Product.__table__.columns)


@dataclass(frozen=True)
class CatalogCacheSettings:
    max_age: int = 60  # Cache-Control max-age of public catalog answers; 0: no-store
    product_ttl: int = 300  # seconds a product row lives in Redis
    version_ttl: int = 86400  # seconds an entity version lives: above the router's cache.max_ttl
    key_prefix: str = "graft:"  # the router's redis.key_prefix

    @classmethod
    def from_env(cls, extra: dict[str, str] | None = None) -> CatalogCacheSettings:
        """CATALOG_CACHE_MAX_AGE, CATALOG_PRODUCT_CACHE_TTL, CATALOG_ENTITY_VERSION_TTL,
        GRAFT_REDIS_KEY_PREFIX; a subgraph's `extra` settings (same names, lower case) win."""
        def read(name: str, default: str) -> str:
            return (extra or {}).get(name.lower(), os.environ.get(name, default))

        return cls(_seconds("CATALOG_CACHE_MAX_AGE", read("CATALOG_CACHE_MAX_AGE", "60")),
                   _seconds("CATALOG_PRODUCT_CACHE_TTL", read("CATALOG_PRODUCT_CACHE_TTL", "300")),
                   _seconds("CATALOG_ENTITY_VERSION_TTL", read("CATALOG_ENTITY_VERSION_TTL", "86400")),
                   read("GRAFT_REDIS_KEY_PREFIX", "graft:"))


def _seconds(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name} must be a whole number of seconds (0 or more), not {raw!r}")
    return value


def version_key(prefix: str, typename: str, field: str, value: Any) -> str:
    """The name the router's entity cache reads (router/features/entity_cache.py)."""
    return f"{prefix}entity-version:{typename}:{field}={value}"


class ProductCache:
    def __init__(self, redis: aioredis.Redis, settings: CatalogCacheSettings) -> None:
        self.redis = redis
        self.settings = settings
        self.failing = False

    def key(self, field: str, value: Any) -> str:
        return f"{self.settings.key_prefix}catalog:product:{field}:{value}"

    async def get_many(self, field: str, values: list[Any]) -> list[Product | None]:
        """Cached rows (detached Product objects) in order; None where missing or unreadable."""
        unread: list[bytes | str | None] = [None] * len(values)
        raw = await self._call(lambda: self.redis.mget([self.key(field, v) for v in values]), unread)
        return [None if item is None else Product(**orjson.loads(item)) for item in raw]

    async def put_many(self, field: str, rows: list[ProductRow]) -> None:
        async def write() -> None:
            async with self.redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    body = orjson.dumps({c: getattr(row, c) for c in COLUMNS})
                    pipe.set(self.key(field, getattr(row, field)), body, ex=self.settings.product_ttl)
                await pipe.execute()

        if rows and self.settings.product_ttl > 0:
            await self._call(write, None)

    async def invalidate(self, products: Iterable[Product], category_ids: Iterable[int] = ()) -> None:
        """After a committed write: forget the rows, move every router's entity versions on."""
        version = str(time.time_ns())
        prefix, ttl = self.settings.key_prefix, self.settings.version_ttl
        deletes, versions = [], []
        for product in products:
            deletes += [self.key("id", product.id), self.key("sku", product.sku)]
            versions += [version_key(prefix, "Product", "id", product.id),
                         version_key(prefix, "Product", "sku", product.sku)]
            versions.append(version_key(prefix, "Category", "id", product.category_id))
        versions += [version_key(prefix, "Category", "id", c) for c in category_ids]

        async def write() -> None:
            async with self.redis.pipeline(transaction=False) as pipe:
                if deletes:
                    pipe.delete(*deletes)
                for name in versions:
                    pipe.set(name, version, ex=ttl)
                await pipe.execute()

        if deletes or versions:
            await self._call(write, None)

    async def invalidate_ids(self, db: Database, product_ids: Iterable[int]) -> None:
        """`invalidate` for products known by id (a reservation's released or committed lines)."""
        ids = list(product_ids)
        if not ids:
            return
        async with db.session() as session:
            products = list(await session.scalars(select(Product).where(Product.id.in_(ids))))
        await self.invalidate(products)

    async def _call(self, action: Callable[[], Awaitable[T]], default: T) -> T:
        try:
            value = await action()
        except (RedisError, OSError) as exc:
            if not self.failing:
                log.error("catalog cache: Redis unavailable, reading from SQL (%s: %s)", type(exc).__name__, exc)
            self.failing = True
            return default
        if self.failing:
            log.warning("catalog cache: Redis is back")
            self.failing = False
        return value


PRODUCT_CACHE = web.AppKey("product_cache", ProductCache)  # set on the app when REDIS_URL is set
