"""A real catalog subgraph and a real router in front of it, with some traffic: the metrics tests'
stack (the router's other subgraphs are not started; the queries never reach them)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import RunningService, post_graphql, start_graft, start_router

QUERY = 'query ProductName { product(id: "1") { name } }'
CLIENT = {"apollographql-client-name": "storefront", "apollographql-client-version": "2.0.0"}


@dataclass
class TelemetryStack:
    catalog: RunningService
    router: RunningService

    def traffic(self, requests: int = 5) -> None:
        for _ in range(requests):
            body = post_graphql(self.router.graphql_url, QUERY, headers=CLIENT)
            assert body["data"]["product"]["name"], body

    def sample_names(self, service: RunningService) -> set[str]:
        with urllib.request.urlopen(f"{service.url}/metrics", timeout=10) as resp:
            text = resp.read().decode()
        return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def telemetry_stack(base: Path) -> Iterator[TelemetryStack]:
    catalog = start_graft("catalog", ["subgraph", "catalog"], {"GRAFT_DATA_DIR": str(base)}, base)
    try:
        router = start_router("router", {"catalog": catalog}, base)
        try:
            stack = TelemetryStack(catalog, router)
            stack.traffic()
            yield stack
        finally:
            router.stop()
    finally:
        catalog.stop()
