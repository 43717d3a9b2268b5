"""Two small real ariadne subgraphs (products, reviews) for the Apollo Gateway test.
Run: python -m tests.router.composition.tiny_subgraph NAME PORT"""

from __future__ import annotations

import sys

from aiohttp import web
from ariadne import QueryType, graphql
from ariadne.contrib.federation import FederatedObjectType, make_federated_schema

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
SDL = {
    "products": LINK + """
type Query { products: [Product!]! }
type Product @key(fields: "id") { id: ID! name: String! }
""",
    "reviews": LINK + """
type Product @key(fields: "id") { id: ID! reviews: [Review!]! }
type Review { body: String! stars: Int! }
""",
}
PRODUCTS = {"1": "Kettle", "2": "Teapot"}
REVIEWS = {"1": [{"body": "Boils fast", "stars": 5}], "2": [{"body": "Leaks", "stars": 2}, {"body": "Pretty", "stars": 4}]}


def build_schema(name: str):
    query = QueryType()
    product = FederatedObjectType("Product")
    if name == "products":
        query.set_field("products", lambda *_: [{"id": k, "name": v} for k, v in PRODUCTS.items()])
        product.reference_resolver(lambda _, __, rep: {"id": rep["id"], "name": PRODUCTS[rep["id"]]})
    else:
        product.reference_resolver(lambda _, __, rep: {"id": rep["id"]})
        product.set_field("reviews", lambda obj, _: REVIEWS.get(obj["id"], []))
    return make_federated_schema(SDL[name], query, product)


def create_app(name: str) -> web.Application:
    schema = build_schema(name)

    async def handle(request: web.Request) -> web.Response:
        _, result = await graphql(schema, await request.json())
        return web.json_response(result)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/graphql", handle)
    app.router.add_get("/health", health)
    return app


if __name__ == "__main__":
    web.run_app(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), print=None)
