"""A SupergraphService over a local graphql-core schema, so the server's stages are tested with
real parsing, validation and execution before (and apart from) the federation core."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from graphql import ExecutionResult, build_schema, experimental_execute_incrementally

from router.pipeline import GraphQLResponse, RouterRequest, Stage, SubgraphReadiness
from router.supergraph.cost import CostDirectives

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
        self.costs = CostDirectives()
        self.requests: list[RouterRequest] = []  # every request that reached execution
        self.subgraphs: list[SubgraphReadiness] = []  # what /ready reports

    async def readiness(self) -> Sequence[SubgraphReadiness]:
        return self.subgraphs

    def stages(self) -> Sequence[Stage]:
        return (Stage("execute", self.execute),)

    async def execute(self, request: RouterRequest) -> None:
        self.requests.append(request)
        operation = request.prepared()
        result = experimental_execute_incrementally(self.api_schema, operation.document, root_value=self,
                         variable_values=request.graphql.variables, operation_name=operation.name)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        assert isinstance(result, ExecutionResult)
        request.response = GraphQLResponse(result.data, [e.formatted for e in result.errors or ()])

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

    async def close(self) -> None:
        self.closed = True
