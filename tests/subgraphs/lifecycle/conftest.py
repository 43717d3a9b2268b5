"""The whole marketplace as its clients use it: the four subgraphs as real processes, `graft serve`
in front, signing in through the router's OAuth endpoint; once on SQLite with events over HTTP
(what `make run` runs), once on PostgreSQL with events over Redis Streams."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import _stack
from tests.subgraphs.lifecycle.client import Marketplace
from tests.support.processes import start_router
from tests.support.services import unique_schema_prefix

FAST = {
    "GRAFT_ORDER_TTL_SECONDS": "8",  # unpaid orders expire quickly here
    "GRAFT_RESERVATION_GRACE_SECONDS": "2",
    "GRAFT_SWEEP_SECONDS": "0.5",
    "GRAFT_PAYMENTS_RECONCILE_INTERVAL": "0.5",
    "GRAFT_PEER_TIMEOUT_SECONDS": "3",  # orders gives up on a stalled catalog quickly
    "GRAFT_EVENTS_RETRY_BASE": "0.25",  # a delivery to a service that was down is retried soon
    "GRAFT_EVENTS_RETRY_MAX": "2",
    "GRAFT_EVENTS_CLAIM_IDLE": "2",  # a killed consumer's pending messages are claimed soon
}


@pytest.fixture(autouse=True)
def verify_through_users() -> None:
    """Each marketplace has its own users service, which every other service verifies through."""


@pytest.fixture(scope="session", params=["sqlite-http", pytest.param("postgres-redis", marks=[pytest.mark.postgres,
                                                                                          pytest.mark.redis])])
def marketplace(request, tmp_path_factory):
    env = dict(FAST)
    if request.param == "postgres-redis":
        env |= {"DATABASE_URL": request.getfixturevalue("postgres_url"), "GRAFT_DB_SCHEMA_PREFIX": unique_schema_prefix(),
                "REDIS_URL": request.getfixturevalue("redis_url"),
                "GRAFT_EVENTS_STREAM": f"graft:test-{uuid.uuid4().hex[:8]}:events"}
    base = tmp_path_factory.mktemp(request.param)
    running = _stack(base, env)
    subgraphs = next(running)
    router = start_router("router", subgraphs, base, f"auth:\n  authorization_server: {subgraphs['users'].url}\n")
    yield Marketplace(router, subgraphs, base, env)
    router.stop()
    next(running, None)
