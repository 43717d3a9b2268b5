"""Resolvers bound to schema.graphql (ariadne, schema-first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ariadne import MutationType, ObjectType, QueryType, ScalarType
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLError, GraphQLResolveInfo

from auth import scopes
from subgraphs.common.context import RequestContext
from subgraphs.common.db import as_utc
from subgraphs.common.errors import FORBIDDEN, UNAUTHENTICATED, graphql_error, parse_id
from subgraphs.common.identity import require_owner
from subgraphs.payments import models, paying, refunding
from subgraphs.payments.loaders import Loaders
from subgraphs.payments.providers import Providers
from subgraphs.payments.states import Status


@dataclass
class Context(RequestContext[Loaders]):
    providers: Providers

    def orders(self) -> paying.Orders:
        return paying.Orders(self.peer("orders"))


query = QueryType()
mutation = MutationType()
payment = FederatedObjectType("Payment")
order = FederatedObjectType("Order")
refund = ObjectType("Refund")
datetime_scalar = ScalarType("DateTime")

payment.set_alias("createdAt", "created_at")
payment.set_alias("failureMessage", "failure_message")
refund.set_alias("createdAt", "created_at")


@datetime_scalar.serializer
def serialize_datetime(value: datetime) -> str:
    return as_utc(value).isoformat()


def _ctx(info: GraphQLResolveInfo) -> Context:
    return info.context


async def _visible(info: GraphQLResolveInfo, payment_id: int) -> models.Payment | None:
    row = await _ctx(info).loaders.payment_by_id.load(payment_id)
    if row is not None:
        require_owner(_ctx(info).identity, row.buyer_id, "payments", scopes.PAYMENTS_ADMIN)
    return row


@query.field("payment")
async def resolve_payment(_: Any, info: GraphQLResolveInfo, id: str) -> models.Payment | None:
    return await _visible(info, parse_id(id, "Payment"))


@payment.reference_resolver
async def resolve_payment_reference(_: Any, info: GraphQLResolveInfo, representation: dict) -> Any:
    try:
        return await _visible(info, parse_id(representation["id"], "Payment"))
    except GraphQLError as error:
        return error


@payment.field("amount")
def resolve_amount(row: models.Payment, _: GraphQLResolveInfo) -> dict:
    return {"amount": row.amount, "currency": row.currency}


@payment.field("order")
def resolve_payment_order(row: models.Payment, _: GraphQLResolveInfo) -> dict:
    return {"id": str(row.order_id)}


@payment.field("nextAction")
def resolve_next_action(row: models.Payment, _: GraphQLResolveInfo) -> dict | None:
    if row.status != Status.REQUIRES_ACTION or not row.next_action_url:
        return None
    return {"type": "redirect", "redirectUrl": row.next_action_url}


@payment.field("refunds")
async def resolve_refunds(row: models.Payment, info: GraphQLResolveInfo) -> list[dict]:
    """Refunds made or under way (not those the provider refused)."""
    refunds = await _ctx(info).loaders.refunds_by_payment.load(row.id)
    return [{"id": r.id, "amount": {"amount": r.amount, "currency": row.currency}, "status": r.status.upper(),
             "created_at": r.created_at} for r in refunds if r.status != "failed"]


@order.reference_resolver
def resolve_order_reference(_: Any, __: GraphQLResolveInfo, representation: dict) -> dict:
    return {"id": representation["id"]}


async def _order_payments(order_ref: dict, info: GraphQLResolveInfo) -> list[models.Payment]:
    rows = await _ctx(info).loaders.payments_by_order.load(parse_id(order_ref["id"], "Order"))
    for row in rows[:1]:
        require_owner(_ctx(info).identity, row.buyer_id, "payments", scopes.PAYMENTS_ADMIN)
    return rows


@order.field("payments")
async def resolve_order_payments(order_ref: dict, info: GraphQLResolveInfo) -> list[models.Payment]:
    return await _order_payments(order_ref, info)


@order.field("paymentStatus")
async def resolve_payment_status(order_ref: dict, info: GraphQLResolveInfo) -> str:
    statuses = {p.status for p in await _order_payments(order_ref, info)}
    for status, answer in ((Status.DISPUTED, "DISPUTED"), (Status.SUCCEEDED, "PAID"),
                           (Status.PARTIALLY_REFUNDED, "PARTIALLY_REFUNDED"), (Status.REFUNDED, "REFUNDED"),
                           (Status.REQUIRES_ACTION, "PENDING"), (Status.PROCESSING, "PENDING"),
                           (Status.PENDING, "PENDING")):
        if status in statuses:
            return answer
    return "UNPAID"


@mutation.field("payOrder")
async def resolve_pay_order(_: Any, info: GraphQLResolveInfo, orderId: str, paymentMethod: str) -> models.Payment:
    ctx = _ctx(info)
    if ctx.identity.anonymous:
        raise graphql_error("Sign in to pay", UNAUTHENTICATED)
    if not paymentMethod.strip():
        raise graphql_error("paymentMethod must not be empty")
    if len(paymentMethod) > 100:
        raise graphql_error("paymentMethod is too long: at most 100 characters")
    return await paying.pay_order(ctx.db, ctx.providers, ctx.orders(), ctx.identity, parse_id(orderId, "Order"),
                                  paymentMethod.strip())


@mutation.field("refundPayment")
async def resolve_refund_payment(_: Any, info: GraphQLResolveInfo, id: str, amount: dict | None = None) -> models.Payment:
    ctx = _ctx(info)
    if ctx.identity.anonymous:
        raise graphql_error("Sign in to refund", UNAUTHENTICATED)
    if not ctx.identity.has_scope(scopes.PAYMENTS_ADMIN):
        raise graphql_error(f"Refunds need the {scopes.PAYMENTS_ADMIN} scope", FORBIDDEN)
    return await refunding.refund_payment(ctx.db, ctx.providers, parse_id(id, "Payment"), amount)


bindables = [query, mutation, payment, order, refund, datetime_scalar]
