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
