"""A second router over the lifecycle's marketplace (both of its set-ups: SQLite with events over
HTTP, PostgreSQL with Redis), with subscriptions set tight enough to test: a cap of 3 per
client, deny-list checks twice a second, small WebSocket messages, and a partner tier
allowed two requests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.subgraphs.lifecycle.client import Marketplace
from tests.support.processes import start_router

SUBSCRIPTIONS = """subscriptions:
  max_per_client: 3
  heartbeat: 1
  auth_check_interval: 0.5
  connection_init_timeout: 2
  max_message_bytes: 4096
rate_limits:
  enabled: true
  tiers:
    subscribers: {capacity: 2, refill_per_second: 0.001}  # a partner tier for the rate-limit test
"""


@pytest.fixture(scope="session")
def market(marketplace: Marketplace):
    """One subscriptions router per marketplace for all four modules (not one per module): no
    test here reconfigures it (test_reload starts routers of its own)."""
    users = marketplace.subgraphs["users"].url
    redis = f"redis:\n  url: {marketplace.env['REDIS_URL']}\n" if "REDIS_URL" in marketplace.env else ""
    router = start_router("subscriptions-router", marketplace.subgraphs, marketplace.base,
                          f"auth:\n  authorization_server: {users}\n" + redis + SUBSCRIPTIONS)
    # the same marketplace through another router: products made here count in the balance checks
    yield replace(marketplace, router=router)
    router.stop()
