"""The one Redis guard of the router, defined in auth/ (the deny list uses it too) and imported
from here by the caches, the APQ store and the plan cache."""

from auth.redis_guard import RedisGuard, redis_client

__all__ = ["RedisGuard", "redis_client"]
