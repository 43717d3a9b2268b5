"""A gateway over a small composed supergraph with @cost/@listSize, executed by graphql-core
over in-memory data: the server's stages see a real supergraph's cost directives and nesting."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from graphql import ExecutionResult, experimental_execute_incrementally

from router.composition import SubgraphSource, compose
from router.pipeline import GraphQLResponse, RouterRequest, Stage
from router.supergraph import load_supergraph

SHOP = '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
type Query {
  products(first: Int! = 5): ProductConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
  product(id: ID!): Product
}
type ProductConnection { edges: [Edge!]! }
type Edge { node: Product! }
type Product @key(fields: "id") {
  id: ID!
  name: String!
  related: [Product!]! @listSize(assumedSize: 2)
  forecast: Int! @cost(weight: 100)
}
type Mutation { restock(id: ID!): Product }
'''
SUPERGRAPH_SDL = compose([SubgraphSource("shop", "http://127.0.0.1:9/graphql", SHOP)])


def _product(number: int, depth: int = 3) -> dict[str, Any]:
    related = [_product(number + i + 1, depth - 1) for i in range(2)] if depth else []
    return {"id": str(number), "name": f"product {number}", "related": related, "forecast": number * 10}


class ShopGateway:
    def __init__(self) -> None:
        self.supergraph = load_supergraph(SUPERGRAPH_SDL)
        self.api_schema = self.supergraph.api_schema
        self.supergraph_sha = self.supergraph.sha
        self.costs = self.supergraph.costs
        self.executed: list[str] = []

    def stages(self) -> Sequence[Stage]:
        return (Stage("execute", self.execute),)

    async def execute(self, request: RouterRequest) -> None:
        operation = request.prepared()
        self.executed.append(operation.name or "")
        root = {
            "products": lambda info, first=5: {"edges": [{"node": _product(i)} for i in range(first)]},
            "product": lambda info, id: _product(int(id)),
            "restock": lambda info, id: _product(int(id)),
        }
        result = experimental_execute_incrementally(self.api_schema, operation.document, root_value=root,
                         variable_values=request.graphql.variables, operation_name=operation.name)
        if asyncio.iscoroutine(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        request.response = GraphQLResponse(result.data, [e.formatted for e in result.errors or ()])

    async def close(self) -> None:
        pass
