"""The benchmark's heavy query and its expected answer, computed straight from the data (no GraphQL)."""

from __future__ import annotations

from typing import Any

from bench.subgraphs import data

HEAVY_QUERY = """
fragment UserFields on User { id username name }
fragment ReviewFields on Review { id body }
fragment ProductFields on Product { inStock name price shippingEstimate upc weight }

query TestQuery {
  users {
    ...UserFields
    reviews {
      ...ReviewFields
      product {
        ...ProductFields
        reviews {
          ...ReviewFields
          author { ...UserFields reviews { ...ReviewFields product { ...ProductFields } } }
        }
      }
    }
  }
  topProducts {
    ...ProductFields
    reviews {
      ...ReviewFields
      author { ...UserFields reviews { ...ReviewFields product { ...ProductFields } } }
    }
  }
}
"""

Json = dict[str, Any]


def _user(user: Json) -> Json:
    return {"id": user["id"], "username": user["username"], "name": user["name"]}


def _product(upc: str) -> Json:
    p = data.PRODUCTS_BY_UPC[upc]
    return {
        "inStock": p["inStock"], "name": p["name"], "price": p["price"],
        "shippingEstimate": data.shipping_estimate(p["price"], p["weight"]), "upc": p["upc"], "weight": p["weight"],
    }


def _review(review: Json) -> Json:
    return {"id": review["id"], "body": review["body"]}


def _author(user_id: str) -> Json:
    user = data.USERS_BY_ID[user_id]
    reviews = [{**_review(r), "product": _product(r["product_upc"])} for r in data.reviews_by_author(user_id)]
    return {**_user(user), "reviews": reviews}


def _product_with_reviews(upc: str) -> Json:
    reviews = [{**_review(r), "author": _author(r["author_id"])} for r in data.reviews_of_product(upc)]
    return {**_product(upc), "reviews": reviews}


def expected_heavy() -> Json:
    users = [
        {**_user(u), "reviews": [{**_review(r), "product": _product_with_reviews(r["product_upc"])}
                                 for r in data.reviews_by_author(u["id"])]}
        for u in data.USERS
    ]
    top = [_product_with_reviews(p["upc"]) for p in data.PRODUCTS[:5]]
    return {"data": {"users": users, "topProducts": top}}
