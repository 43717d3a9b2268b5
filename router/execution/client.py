"""HTTP to the subgraphs: one keep-alive aiohttp pool, a timeout per subgraph, orjson."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson


class SubgraphError(Exception):
    """A subgraph could not answer (unreachable, timed out, not GraphQL)."""


@dataclass
class SubgraphClient:
    urls: dict[str, str]  # subgraph name → URL
    timeouts: dict[str, float] = field(default_factory=dict)
    default_timeout: float = 30.0
    _session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=256, limit_per_host=128, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, json_serialize=lambda o: orjson.dumps(o).decode())
        return self._session

    async def fetch(self, service: str, query: str, variables: dict[str, Any],
                    headers: dict[str, str] | None = None) -> dict[str, Any]:
        url = self.urls[service]
        timeout = aiohttp.ClientTimeout(total=self.timeouts.get(service, self.default_timeout))
        body = orjson.dumps({"query": query, "variables": variables})
        request_headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        try:
            async with self.session().post(url, data=body, headers=request_headers, timeout=timeout) as resp:
                raw = await resp.read()
        except TimeoutError as exc:
            raise SubgraphError(f"Subgraph '{service}' timed out") from exc
        except aiohttp.ClientError as exc:
            raise SubgraphError(f"Subgraph '{service}' is unreachable: {exc.__class__.__name__}") from exc
        try:
            result = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise SubgraphError(f"Subgraph '{service}' answered HTTP {resp.status} without a GraphQL response") from None
        if not isinstance(result, dict) or ("data" not in result and "errors" not in result):
            raise SubgraphError(f"Subgraph '{service}' answered HTTP {resp.status} without a GraphQL response")
        return result

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
