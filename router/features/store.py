"""The Redis client of a router process's own resources (the deny list), None without redis.url.

Features with other needs (the rate limiter's 0.2 s timeouts, a cache per supergraph) make theirs
with the same short-timeout `redis_client`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from router.config import RouterSettings
from router.features.redis_guard import redis_client

REDIS = web.AppKey("redis", object)


def connect(settings: RouterSettings) -> Any:
    """Short timeouts: a feature that cannot reach Redis must degrade, never hang a request."""
    return redis_client(settings.redis.url) if settings.redis.url else None
