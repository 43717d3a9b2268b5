"""/metrics: Prometheus text with the router's counters, moved by real requests."""

from __future__ import annotations

import re


def _count(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{name}\{{{labels}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_requests_by_status(client):
    before = await (await client.get("/metrics")).text()
    accept = {"Accept": "application/graphql-response+json"}
    await client.post("/graphql", json={"query": "{ version }"}, headers=accept)
    await client.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    resp = await client.get("/metrics")
    assert resp.status == 200 and resp.content_type == "text/plain"
    after = await resp.text()
    for status in ("200", "400"):
        label = f'status="{status}"'
        assert _count(after, "graft_requests_total", label) == _count(before, "graft_requests_total", label) + 1


async def test_document_ceilings_and_tier_tokens_are_counted_as_operation_limits(make_client):
    from router.config import load_settings

    client = await make_client(load_settings(limits={"max_document_bytes": 200},
                                             operation_limits={"tiers": {"anonymous": {"max_tokens": 10}}}))
    accept = {"Accept": "application/graphql-response+json"}
    before = await (await client.get("/metrics")).text()
    too_big = await client.post("/graphql", json={"query": "{ version }" + " " * 300}, headers=accept)
    too_long = await client.post("/graphql", json={"query": "{ a: version b: version c: version d: version }"},
                                 headers=accept)
    assert too_big.status == too_long.status == 400
    after = await (await client.get("/metrics")).text()
    for limit in ("max_document_bytes", "max_tokens"):
        label = f'limit="{limit}"'
        name = "graft_operation_limited_requests_total"
        assert _count(after, name, label) == _count(before, name, label) + 1, limit
