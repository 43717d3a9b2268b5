"""What one router process shares across requests and supergraph reloads: its own HTTP client
(JWKS, the OAuth2 server), the Redis client of the deny list, and the process-wide features
(identity, rate limits, persisted documents). Opened once the event loop runs."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web

from auth.redis_guard import redis_client
from router.config import RouterSettings
from router.features.identity import Authenticator
from router.features.persisted import PersistedDocuments
from router.features.rate_limits import RateLimiter


@dataclass
class Resources:
    http: aiohttp.ClientSession
    redis: aioredis.Redis | None
    authenticator: Authenticator
    rate_limiter: RateLimiter | None
    persisted: PersistedDocuments

    @classmethod
    def open(cls, settings: RouterSettings) -> Resources:
        """Reads the trusted-document manifest (ManifestError stops the start). Short Redis
        timeouts: a feature that cannot reach Redis must degrade, never hang a request."""
        persisted = PersistedDocuments.from_settings(settings)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())  # shared by every caller: no cookies kept
        redis = redis_client(settings.redis.url) if settings.redis.url else None
        limiter = RateLimiter(settings.rate_limits, settings.redis) if settings.rate_limits.enabled else None
        return cls(http, redis, Authenticator.from_settings(settings, http, redis), limiter, persisted)

    async def close(self) -> None:
        await self.persisted.close()
        if self.rate_limiter is not None:
            await self.rate_limiter.close()
        await self.http.close()
        if self.redis is not None:
            await self.redis.aclose()


RESOURCES = web.AppKey("resources", Resources)
