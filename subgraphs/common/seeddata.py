"""The deterministic marketplace every subgraph seeds its own share of.

Each subgraph stores only its own part (catalog: products; orders: orders; ...), but they
must agree on ids, prices and totals, so the data is generated here once from a fixed seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache

CURRENCY = "USD"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
DEMO_EMAIL, DEMO_PASSWORD = "ada@example.com", "lovelace-1815"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "babbage-1822"

CATEGORIES = [
    "Books", "Electronics", "Kitchen", "Garden", "Toys", "Sports",
    "Music", "Office", "Outdoor", "Beauty", "Tools", "Games",
]
ADJECTIVES = ["Classic", "Compact", "Deluxe", "Eco", "Handmade", "Modern", "Pocket", "Rugged", "Smart", "Vintage"]
NOUNS = ["Lamp", "Kettle", "Notebook", "Speaker", "Backpack", "Chair", "Puzzle", "Racket", "Guitar", "Planter",
         "Drill", "Mug", "Clock", "Camera", "Blender", "Tent", "Brush", "Keyboard", "Board Game", "Scarf"]
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine", "Ken",
         "Leslie", "Margaret", "Niklaus", "Radia", "Tim", "Dennis"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Johnson",
        "Thompson", "Lamport", "Hamilton", "Wirth", "Perlman", "Berners-Lee", "Ritchie"]
ORDER_STATUSES = ["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]


@dataclass(frozen=True)
class SeedCategory:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class SeedProduct:
    id: int
    sku: str
    name: str
    description: str
    category_id: int
    price: int  # minor units
    cost_price: int
    weight: int  # grams
    stock: int


@dataclass(frozen=True)
class SeedUser:
    id: int
    name: str
    email: str
    password: str | None
    admin: bool
    created_at: datetime


@dataclass(frozen=True)
class SeedItem:
    product_id: int
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class SeedOrder:
    id: int
    number: str
    buyer_id: int
    status: str
    items: tuple[SeedItem, ...]
    shipping: int
    created_at: datetime

    @property
    def subtotal(self) -> int:
        return sum(item.unit_price * item.quantity for item in self.items)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


@dataclass(frozen=True)
class SeedPayment:
    id: int
    order_id: int
    amount: int
    status: str
    created_at: datetime


def shipping_for_weight(grams: int) -> int:
    """Flat rate plus a per-kilogram charge, in minor units; shared by orders' pricing."""
    kilograms = -(-max(grams, 0) // 1000)
    return 499 + 150 * kilograms


@cache
def categories() -> tuple[SeedCategory, ...]:
    return tuple(SeedCategory(i + 1, name, name.lower()) for i, name in enumerate(CATEGORIES))


@cache
def products() -> tuple[SeedProduct, ...]:
    rng = random.Random(1815)
    out = []
    for i in range(1, 241):
        name = f"{ADJECTIVES[i % len(ADJECTIVES)]} {NOUNS[(i * 7) % len(NOUNS)]} {i}"
        price = rng.randrange(199, 49_999)
        out.append(SeedProduct(
            id=i, sku=f"SKU-{i:05d}", name=name, description=f"The {name.lower()}, made to last.",
            category_id=(i - 1) % len(CATEGORIES) + 1, price=price, cost_price=price * 6 // 10,
            weight=rng.randrange(50, 5_000), stock=0 if i % 17 == 0 else rng.randrange(5, 500),
        ))
    return tuple(out)


@cache
def users() -> tuple[SeedUser, ...]:
    out = [
        SeedUser(1, "Ada Lovelace", DEMO_EMAIL, DEMO_PASSWORD, False, EPOCH),
        SeedUser(2, "Charles Babbage", ADMIN_EMAIL, ADMIN_PASSWORD, True, EPOCH),
    ]
    for i in range(3, 61):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 5) % len(LAST)]
        email = f"{first}.{last}.{i}@example.com".lower()
        out.append(SeedUser(i, f"{first} {last}", email, None, False, EPOCH + timedelta(days=i)))
    return tuple(out)


@cache
def orders() -> tuple[SeedOrder, ...]:
    rng = random.Random(1843)
    catalog = products()
    out = []
    for i in range(1, 401):
        picked = rng.sample(catalog, rng.randrange(1, 5))
        items = tuple(SeedItem(p.id, rng.randrange(1, 4), p.price) for p in picked)
        weight = sum(p.weight * item.quantity for p, item in zip(picked, items))
        out.append(SeedOrder(
            id=i, number=f"GR-{100000 + i}", buyer_id=1 if i % 10 == 0 else rng.randrange(1, 61),
            status=ORDER_STATUSES[i % len(ORDER_STATUSES)], items=items,
            shipping=shipping_for_weight(weight), created_at=EPOCH + timedelta(hours=7 * i),
        ))
    return tuple(out)


@cache
def payments() -> tuple[SeedPayment, ...]:
    """Every order past PENDING_PAYMENT was paid; a cancelled one was refunded."""
    paid = [o for o in orders() if o.status != "PENDING_PAYMENT"]
    return tuple(
        SeedPayment(n, o.id, o.total, "REFUNDED" if o.status == "CANCELLED" else "SUCCEEDED",
                    o.created_at + timedelta(minutes=5))
        for n, o in enumerate(paid, start=1)
    )
