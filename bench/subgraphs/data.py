"""The benchmark graph's data: 6 users, 9 products, 11 reviews, generated deterministically.

Sizes follow the public gateway benchmark (review bodies of roughly 140 to 800 characters, four
products carrying reviews); the words and values are our own.
"""

from __future__ import annotations

import random
from typing import Any

WORDS = (
    "graph query field entity router plan fetch schema subgraph merge join key value node type "
    "list object scalar string number shape cache batch parse token request answer order "
    "product review stock price weight shipping account user name table lamp chair"
).split()

# (review id, product upc, body length): four products carry reviews, one long body.
REVIEW_LAYOUT = (
    (1, "1", 446), (2, "1", 289), (3, "1", 282), (4, "1", 143),
    (5, "2", 446), (6, "2", 289), (7, "2", 282), (8, "2", 143),
    (9, "3", 143), (10, "4", 143), (11, "4", 833),
)
PRODUCT_NAMES = ("Desk", "Sofa", "Mug", "Stool", "Radio", "Clock", "Oven", "Freezer", "Bench")
USER_NAMES = ("Ada Byron", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth")


def _sentence(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:length].rstrip() + "."


def _build() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(7)
    users = [
        {"id": str(i), "name": name, "username": name.split()[1].lower(), "birthday": 1_234_567_890 + i}
        for i, name in enumerate(USER_NAMES, start=1)
    ]
    products = [
        {"upc": str(i), "name": name, "price": rng.choice((15, 499, 899, 1299, 3999, 9999)),
         "weight": rng.choice((20, 100, 300, 800, 1000, 6000)), "inStock": rng.random() < 0.5}
        for i, name in enumerate(PRODUCT_NAMES, start=1)
    ]
    reviews = [
        {"id": str(rid), "body": _sentence(rng, size), "product_upc": upc, "author_id": str((rid - 1) % len(users) + 1)}
        for rid, upc, size in REVIEW_LAYOUT
    ]
    return users, products, reviews


USERS, PRODUCTS, REVIEWS = _build()
USERS_BY_ID = {u["id"]: u for u in USERS}
PRODUCTS_BY_UPC = {p["upc"]: p for p in PRODUCTS}
REVIEWS_BY_ID = {r["id"]: r for r in REVIEWS}


def reviews_of_product(upc: str) -> list[dict[str, Any]]:
    return [r for r in REVIEWS if r["product_upc"] == upc]


def reviews_by_author(user_id: str) -> list[dict[str, Any]]:
    return [r for r in REVIEWS if r["author_id"] == user_id]


def shipping_estimate(price: int | None, weight: int | None) -> int | None:
    """Free above 1000; otherwise half the weight. Needs both fields from the products subgraph."""
    if price is None or weight is None:
        return None
    return 0 if price > 1000 else weight // 2
