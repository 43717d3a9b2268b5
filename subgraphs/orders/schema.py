"""The orders subgraph's Federation 2 schema, code-first with strawberry."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import strawberry
import strawberry.federation
from graphql import GraphQLError
from strawberry.federation.schema_directives import Cost, RequiresScopes

from auth import scopes
from subgraphs.common.db import as_utc
from subgraphs.common.documents import CachedDocuments
from subgraphs.common.errors import NOT_FOUND, UNAUTHENTICATED, at_most, graphql_error, parse_id
from subgraphs.common.app import LIVE
from subgraphs.common.identity import require_owner, require_scope
from subgraphs.common.live import Broadcast, follow
from subgraphs.common.relay import page_args
from subgraphs.common.seeddata import shipping_for_weight
from subgraphs.common.strawberry_types import PAGE, Connection, Money, connection
from subgraphs.common.strawberry_view import FederatedSchema, StrawberryContext
from subgraphs.orders import fulfilment, lifecycle, models, placing
from subgraphs.orders.loaders import NO_CURSOR, Loaders


@dataclass
class Context(StrawberryContext[Loaders]):
    window: placing.PaymentWindow

    def catalog(self) -> placing.Catalog:
        return placing.Catalog(self.peer("catalog"))


Info = strawberry.Info[Context, None]


OrderStatus = lifecycle.OrderStatus
strawberry.enum(OrderStatus, description=(
    "PENDING_PAYMENT → PAID → FULFILLED → SHIPPED → DELIVERED; an unpaid or paid order may be CANCELLED "
    "(its stock returns, its money is refunded: then REFUNDED); PARTIALLY_REFUNDED after a partial refund."))


@strawberry.enum
class CancellationReason(enum.Enum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    EXPIRED = "expired"


@strawberry.type(description="How the fulfilment partner sent the order.")
class Shipment:
    carrier: str
    tracking_number: str
    shipped_at: datetime


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.federation.field(description="The user's orders, newest first.",
                                 requires_scopes=[[scopes.ORDERS_READ], [scopes.ADMIN]],
                                 directives=[PAGE])
    async def orders(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Order]:
        buyer_id = parse_id(self.id, "User")
        require_owner(info.context.identity, buyer_id, "orders")
        size, before = page_args("order", first, after, start=NO_CURSOR)
        loaders = info.context.loaders
        rows = await loaders.orders_page_by_buyer.load((buyer_id, before, size + 1))
        total = await loaders.order_count_by_buyer.load(buyer_id)
        return connection("order", rows, size, after, total, order_from_row)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_: object) -> User:
        return cls(id=id)


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    sku: str = strawberry.federation.field(external=True)
    grams: strawberry.Private[int | None] = None

    @strawberry.federation.field(external=True)
    def weight(self) -> int:
        return self._grams()

    @strawberry.federation.field(requires=["weight"], description="Shipping for one of this product alone.")
    def shipping_estimate(self) -> Money:
        return Money(amount=shipping_for_weight(self._grams()), currency="USD")

    def _grams(self) -> int:
        if self.grams is None:
            raise graphql_error("The product's weight must come with the representation")
        return self.grams

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, weight: int | None = None, sku: str = "", **_: object) -> Product:
        return cls(id=id, sku=sku, grams=weight)


@strawberry.type
class OrderItem:
    product: Product = strawberry.federation.field(provides=["sku"])
    quantity: int
    unit_price: Money


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID
    number: str
    status: lifecycle.OrderStatus
    buyer: User
    subtotal: Money
    shipping: Money
    total: Money
    refunded: Money
    created_at: datetime
    expires_at: datetime | None = strawberry.field(description="An unpaid order is cancelled at this time.")
    paid_at: datetime | None
    delivered_at: datetime | None
    cancellation_reason: CancellationReason | None
    shipment: Shipment | None
    row_id: strawberry.Private[int]
    currency: strawberry.Private[str]

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItem]:
        rows = await info.context.loaders.items_by_order.load(self.row_id)
        return [
            OrderItem(product=Product(id=strawberry.ID(str(r.product_id)), sku=r.sku), quantity=r.quantity,
                      unit_price=Money(amount=r.unit_price, currency=self.currency))
            for r in rows
        ]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_: object) -> Order | GraphQLError | None:
        row = await info.context.loaders.order_by_id.load(parse_id(id, "Order"))
        if row is None:
            return None
        try:
            require_owner(info.context.identity, row.buyer_id, "orders")
        except GraphQLError as error:
            return error
        return order_from_row(row)


@strawberry.input
class OrderItemInput:
    product_id: strawberry.ID
    quantity: int


def order_from_row(row: models.Order) -> Order:
    money = lambda amount: Money(amount=amount, currency=row.currency)  # noqa: E731
    when = lambda value: as_utc(value) if value is not None else None  # noqa: E731
    shipment = (Shipment(carrier=row.carrier, tracking_number=row.tracking_number or "", shipped_at=as_utc(row.shipped_at))
                if row.carrier and row.shipped_at else None)
    return Order(
        id=strawberry.ID(str(row.id)), number=row.number, status=lifecycle.OrderStatus(row.status),
        buyer=User(id=strawberry.ID(str(row.buyer_id))), subtotal=money(row.subtotal),
        shipping=money(row.shipping), total=money(row.total), refunded=money(row.refunded or 0),
        created_at=as_utc(row.created_at), expires_at=when(row.expires_at), paid_at=when(row.paid_at),
        delivered_at=when(row.delivered_at),
        cancellation_reason=CancellationReason(row.cancel_reason) if row.cancel_reason else None,
        shipment=shipment, row_id=row.id, currency=row.currency,
    )


async def _own_order(info: Info, id: strawberry.ID) -> models.Order:
    row = await info.context.loaders.order_by_id.load(parse_id(id, "Order"))
    if row is None:
        raise graphql_error(f"Unknown order {id}", NOT_FOUND)
    require_owner(info.context.identity, row.buyer_id, "orders")
    return row


@strawberry.type
class Query:
    @strawberry.federation.field(requires_scopes=[[scopes.ORDERS_READ], [scopes.ADMIN]])
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        row = await info.context.loaders.order_by_id.load(parse_id(id, "Order"))
        if row is None:
            return None
        require_owner(info.context.identity, row.buyer_id, "orders")
        return order_from_row(row)

    @strawberry.federation.field(inaccessible=True, requires_scopes=[[scopes.ORDERS_PAY]],
                                 description="Any order, for the payments service, which checks its caller owns it.")
    async def order_for_payment(self, info: Info, id: strawberry.ID) -> Order | None:
        require_scope(info.context.identity, scopes.ORDERS_PAY)
        row = await info.context.loaders.order_by_id.load(parse_id(id, "Order"))
        return order_from_row(row) if row is not None else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Reserves stock in the catalog and snapshots each price.",
                         directives=[Cost(weight=20)])  # calls the catalog and writes the order
    async def place_order(self, info: Info, items: list[OrderItemInput]) -> Order:
        identity = info.context.identity
        if identity.user_id is None:
            raise graphql_error("Sign in to place an order", UNAUTHENTICATED)
        at_most(items, placing.MAX_LINES, "order lines")
        lines = placing.order_lines([(parse_id(i.product_id, "Product"), i.quantity) for i in items])
        row = await placing.place_order(info.context.db, info.context.catalog(), info.context.window,
                                        identity.user_id, lines)
        return order_from_row(row)

    @strawberry.mutation(description="Cancels an unpaid or paid order: its stock returns and a payment is refunded.")
    async def cancel_order(self, info: Info, id: strawberry.ID) -> Order:
        row = await _own_order(info, id)
        reason: placing.CancelReason = "customer" if row.buyer_id == info.context.identity.user_id else "admin"
        return order_from_row(await placing.cancel_order(info.context.db, row, reason))

    @strawberry.federation.mutation(requires_scopes=[[scopes.ORDERS_FULFIL], [scopes.ADMIN]],
                                    description="The fulfilment partner has picked and packed a paid order.")
    async def fulfil_order(self, info: Info, id: strawberry.ID) -> Order:
        return order_from_row(await fulfilment.fulfil(info.context.db, await _fulfilment_order(info, id)))

    @strawberry.federation.mutation(requires_scopes=[[scopes.ORDERS_FULFIL], [scopes.ADMIN]],
                                    description="The fulfilment partner handed a fulfilled order to a carrier.")
    async def ship_order(self, info: Info, id: strawberry.ID, carrier: str, tracking_number: str) -> Order:
        row = await _fulfilment_order(info, id)
        return order_from_row(await fulfilment.ship(info.context.db, row, carrier, tracking_number))

    @strawberry.federation.mutation(requires_scopes=[[scopes.ORDERS_FULFIL], [scopes.ADMIN]],
                                    description="The carrier delivered a shipped order.")
    async def deliver_order(self, info: Info, id: strawberry.ID) -> Order:
        return order_from_row(await fulfilment.deliver(info.context.db, await _fulfilment_order(info, id)))


async def _fulfilment_order(info: Info, id: strawberry.ID) -> models.Order:
    require_scope(info.context.identity, scopes.ORDERS_FULFIL)
    row = await info.context.loaders.order_by_id.load(parse_id(id, "Order"))
    if row is None:
        raise graphql_error(f"Unknown order {id}", NOT_FOUND)
    return row


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The order as it is now, then again after each change to it or its payment.",
                             directives=[RequiresScopes(scopes=[[scopes.ORDERS_READ], [scopes.ADMIN]])])
    async def order_updated(self, info: Info, id: strawberry.ID) -> AsyncIterator[Order | None]:
        row = await _own_order(info, id)
        async for order in follow(_live(info), lifecycle.order_topic(row.id), lambda _: _fresh(info, row.id)):
            yield order

    @strawberry.subscription(description="Each of the signed-in user's orders after it is placed or changes.",
                             directives=[RequiresScopes(scopes=[[scopes.ORDERS_READ]])])
    async def my_order_updates(self, info: Info) -> AsyncIterator[Order | None]:
        buyer = info.context.identity.user_id
        if buyer is None:
            raise graphql_error("Sign in to follow your orders", UNAUTHENTICATED)
        topic = lifecycle.buyer_topic(buyer)
        async for order in follow(_live(info), topic, lambda detail: _fresh(info, int(detail)), first=None):
            yield order


def _live(info: Info) -> Broadcast:
    return info.context.request.app[LIVE]


async def _fresh(info: Info, order_id: int) -> Order | None:
    """The committed row, read anew (the connection's loaders would give the first answer again)."""
    async with info.context.db.session() as session:
        row = await session.get(models.Order, order_id)
    return order_from_row(row) if row is not None else None


schema = FederatedSchema(query=Query, mutation=Mutation, subscription=Subscription, types=[Product],
                         federation_version="2.9",
                         extensions=[CachedDocuments])
