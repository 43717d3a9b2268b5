"""The four benchmark subgraphs: accounts, inventory, products, reviews (Federation 2 SDL + resolvers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLSchema

from bench.subgraphs import data
from bench.subgraphs.federation import build_subgraph_schema

ACCOUNTS = """
type Query { me: User  user(id: ID!): User  users: [User] }
type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }
"""
INVENTORY = """
type Product @key(fields: "upc") {
  upc: String!
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}
"""
PRODUCTS = """
type Query { topProducts(first: Int = 5): [Product] }
type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }
"""
REVIEWS = """
type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
type Product @key(fields: "upc") { upc: String!  reviews: [Review] }
"""


def _accounts() -> tuple[GraphQLSchema, str]:
    return build_subgraph_schema(
        ACCOUNTS,
        {
            "Query.me": lambda *_: data.USERS[0],
            "Query.user": lambda _r, _i, id: data.USERS_BY_ID.get(id),
            "Query.users": lambda *_: data.USERS,
        },
        {"User": lambda rep: data.USERS_BY_ID.get(str(rep.get("id")))},
    )


def _inventory_product(rep: Mapping[str, Any]) -> dict[str, Any] | None:
    stored = data.PRODUCTS_BY_UPC.get(str(rep.get("upc")))
    if stored is None:
        return None
    return {"upc": stored["upc"], "inStock": stored["inStock"], "price": rep.get("price"), "weight": rep.get("weight")}


def _inventory() -> tuple[GraphQLSchema, str]:
    return build_subgraph_schema(
        INVENTORY,
        {"Product.shippingEstimate": lambda p, _i: data.shipping_estimate(p.get("price"), p.get("weight"))},
        {"Product": _inventory_product},
    )


def _products() -> tuple[GraphQLSchema, str]:
    return build_subgraph_schema(
        PRODUCTS,
        {"Query.topProducts": lambda _r, _i, first=5: data.PRODUCTS[: max(first, 0)]},
        {"Product": lambda rep: data.PRODUCTS_BY_UPC.get(str(rep.get("upc")))},
    )


def _author(review: dict[str, Any], _info: Any) -> dict[str, Any]:
    user = data.USERS_BY_ID[review["author_id"]]
    return {"id": user["id"], "username": user["username"]}


def _reviews() -> tuple[GraphQLSchema, str]:
    return build_subgraph_schema(
        REVIEWS,
        {
            "Review.product": lambda r, _i: {"upc": r["product_upc"]},
            "Review.author": _author,
            "User.reviews": lambda u, _i: data.reviews_by_author(u["id"]),
            "Product.reviews": lambda p, _i: data.reviews_of_product(p["upc"]),
        },
        {
            "Review": lambda rep: data.REVIEWS_BY_ID.get(str(rep.get("id"))),
            "User": lambda rep: {"id": str(rep.get("id"))} if str(rep.get("id")) in data.USERS_BY_ID else None,
            "Product": lambda rep: {"upc": str(rep.get("upc"))} if str(rep.get("upc")) in data.PRODUCTS_BY_UPC else None,
        },
    )


SUBGRAPHS: dict[str, Callable[[], tuple[GraphQLSchema, str]]] = {
    "accounts": _accounts,
    "inventory": _inventory,
    "products": _products,
    "reviews": _reviews,
}
