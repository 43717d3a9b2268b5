"""A gateway over a local graphql-core schema, so the server's stages are tested with real
parsing, validation and execution before (and apart from) the federation core."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from graphql import ExecutionResult, build_schema, execute

from router.server.document import PreparedOperation
from router.server.pipeline import RequestContext

SDL = """
type Query { hello(name: String!): String!  boom: String  slow(seconds: Float!): String!  version: String! }
type Mutation { bump: Int! }
"""


class LocalGateway:
    def __init__(self, version: str = "v1") -> None:
        self.api_schema = build_schema(SDL)
        self.supergraph_sha = hashlib.sha256(version.encode()).hexdigest()
        self.version = version
        self.closed = False
        self.bumps = 0
        self.contexts: list[RequestContext] = []

    async def execute(self, operation: PreparedOperation, variables: dict[str, Any], *,
                      context: RequestContext) -> dict[str, Any]:
        self.contexts.append(context)
        result = execute(self.api_schema, operation.document, root_value=self, variable_values=variables,
                         operation_name=operation.name)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        assert isinstance(result, ExecutionResult)
        return result.formatted

    # root resolvers
    def hello(self, info, name: str) -> str:
        return f"hello {name}"

    def boom(self, info) -> str:
        raise ValueError("boom failed")

    async def slow(self, info, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return self.version

    def bump(self, info) -> int:
        self.bumps += 1
        return self.bumps

    def close(self) -> None:
        self.closed = True
