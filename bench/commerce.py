"""The project's own commerce graph (catalog, orders, users, payments) with a storefront query mix.

Each operation is anonymous storefront traffic; its expected answer comes from the deterministic
seed (`subgraphs.common.seeddata`), not from any gateway."""

from __future__ import annotations

from typing import Any

import orjson

from bench.baseline import Checkout
from router.marketplace import subgraph
from subgraphs.common import seeddata

Json = dict[str, Any]
PRODUCT_SKU = "SKU-00042"
CATEGORY_ID = 3
PAGE_SIZE = 12

PRODUCT_PAGE = """query ProductPage($sku: String!) {
  product(sku: $sku) { id sku name description price { amount currency } category { name }
    shippingEstimate { amount currency } }
}"""
CATEGORY_PAGE = """query CategoryPage($category: ID!, $first: Int!) {
  products(categoryId: $category, first: $first) {
    totalCount edges { node { id name price { amount currency } shippingEstimate { amount } } }
  }
}"""
HOME = "query Home { categories { id name slug } }"


def _money(amount: int) -> Json:
    return {"amount": amount, "currency": seeddata.CURRENCY}


def expected_product_page() -> Json:
    p = next(p for p in seeddata.products() if p.sku == PRODUCT_SKU)
    category = next(c for c in seeddata.categories() if c.id == p.category_id)
    return {"data": {"product": {
        "id": str(p.id), "sku": p.sku, "name": p.name, "description": p.description, "price": _money(p.price),
        "category": {"name": category.name}, "shippingEstimate": _money(seeddata.shipping_for_weight(p.weight)),
    }}}


def expected_category_page() -> Json:
    in_category = [p for p in seeddata.products() if p.category_id == CATEGORY_ID]
    edges = [{"node": {"id": str(p.id), "name": p.name, "price": _money(p.price),
                       "shippingEstimate": {"amount": seeddata.shipping_for_weight(p.weight)}}}
             for p in in_category[:PAGE_SIZE]]
    return {"data": {"products": {"totalCount": len(in_category), "edges": edges}}}


def expected_home() -> Json:
    return {"data": {"categories": [{"id": str(c.id), "name": c.name, "slug": c.slug} for c in seeddata.categories()]}}


def body(query: str, name: str, variables: Json | None = None) -> bytes:
    return orjson.dumps({"query": query, "operationName": name, "variables": variables or {}})


OPERATIONS = (
    ("product page", body(PRODUCT_PAGE, "ProductPage", {"sku": PRODUCT_SKU}), expected_product_page),
    ("category page", body(CATEGORY_PAGE, "CategoryPage", {"category": str(CATEGORY_ID), "first": PAGE_SIZE}),
     expected_category_page),
    ("home", body(HOME, "Home"), expected_home),
)


def subgraph_argv(checkout: Checkout, name: str, port: int) -> list[str]:
    """`graft subgraph NAME` as the checkout's interpreter runs it."""
    return [checkout.python, *subgraph(name).argv(port)[1:]]


def subgraph_env(ports: dict[str, int], data_dir: str) -> dict[str, str]:
    """Every subgraph finds its peers on the bench's ports and keeps its SQLite files in the run's folder."""
    env = {"GRAFT_DATA_DIR": data_dir, "PYTHONUNBUFFERED": "1"}
    for name, port in ports.items():
        env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}/graphql"
        env[f"{name.upper()}_PORT"] = str(port)
    return env
