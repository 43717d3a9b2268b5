"""Two real `graft serve` processes over a tiny real subgraph share one client's bucket in Redis."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.router.features.test_rate_limits import delete_keys, redis_prefix
from tests.router.server.supergraphs import supergraph
from tests.support.processes import (
    RunningService,
    start_graft,
    start_module,
)
from tests.support.services import REDIS_URL


@pytest.fixture
def tiny(tmp_path):
    service = start_module("tiny", "tests.router.server.tiny_subgraph", tmp_path)
    yield service
    service.stop()


def ask(router: RunningService, address: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        router.graphql_url, data=json.dumps({"query": "{ pid }"}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/graphql-response+json",
                 "X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


async def test_two_router_processes_share_a_bucket_through_redis(tiny, tmp_path):
    prefix = await redis_prefix()
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph(tiny.graphql_url))
    env = {"GRAFT_REDIS__URL": REDIS_URL, "GRAFT_REDIS__KEY_PREFIX": prefix, "GRAFT_TRUSTED_PROXY_HOPS": "1",
           "GRAFT_RATE_LIMITS__ENABLED": "true", "GRAFT_RATE_LIMITS__TIERS__ANONYMOUS__CAPACITY": "4",
           "GRAFT_RATE_LIMITS__TIERS__ANONYMOUS__REFILL_PER_SECOND": "0.01"}
    routers = []
    try:
        for name in ("router-a", "router-b"):
            routers.append(start_graft(name, ["serve", "--supergraph", str(path)], env, tmp_path))
        a, b = routers
        answers = [ask(router, "198.51.100.20") for router in (a, b, a, b, a, b)]
        assert [status for status, _, _ in answers] == [200, 200, 200, 200, 429, 429]
        assert [h["RateLimit"].split(";")[1] for _, h, _ in answers] == ["r=3", "r=2", "r=1", "r=0", "r=0", "r=0"]
        assert answers[0][2] == {"data": {"pid": tiny.process.pid}}  # really executed through the subgraph
        assert answers[5][2]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        status, headers, _ = ask(b, "198.51.100.21")  # another client is not held back
        assert status == 200 and headers["RateLimit"].startswith('"anonymous";r=3;')
    finally:
        for router in routers:
            router.stop()
        await delete_keys(prefix)
