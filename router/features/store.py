"""The one Redis client a router process shares between its features (None without redis.url)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from aiohttp import web

from router.config import RouterSettings

REDIS = web.AppKey("redis", object)


def connect(settings: RouterSettings) -> Any:
    """Short timeouts: a feature that cannot reach Redis must degrade, never hang a request."""
    if not settings.redis.url:
        return None
    return aioredis.from_url(settings.redis.url, socket_connect_timeout=0.5, socket_timeout=0.5,
                             health_check_interval=30)
