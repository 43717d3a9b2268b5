import pytest
import redis.asyncio as redis


@pytest.mark.redis
async def test_redis_round_trip(redis_url):
    client = redis.from_url(redis_url)
    await client.set("graft:test:ping", "pong", ex=5)
    assert await client.get("graft:test:ping") == b"pong"
    await client.aclose()
