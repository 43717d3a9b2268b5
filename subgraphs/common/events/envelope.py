"""Domain events between the marketplace's services: the envelope every transport carries, and
the payload of each event type as a versioned pydantic model (whose JSON schema is published in
schema/events/), so a consumer can be upgraded before its producer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """An event's data. Unknown fields are ignored, so a newer producer's additions never break
    an older consumer; a field is only ever added, never renamed or retyped, within a version."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    version: int = 1


# Orders ------------------------------------------------------------------------------------
class OrderPlaced(Payload):
    order_id: int
    buyer_id: int
    reservation_id: str
    total: int
    currency: str
    expires_at: datetime


class OrderPaid(Payload):
    order_id: int
    reservation_id: str | None
    payment_id: int


class OrderCancelled(Payload):
    """The order will not be fulfilled: its stock goes back and any money taken is refunded."""

    order_id: int
    reservation_id: str | None
    reason: Literal["customer", "admin", "expired"]
    was_paid: bool


class OrderExpired(OrderCancelled):
    reason: Literal["customer", "admin", "expired"] = "expired"
    was_paid: bool = False


class OrderRefundRequested(Payload):
    """A payment succeeded for an order that can no longer take it (cancelled or expired first)."""

    order_id: int
    payment_id: int


class OrderFulfilled(Payload):
    order_id: int


class OrderShipped(Payload):
    order_id: int
    carrier: str
    tracking_number: str


class OrderDelivered(Payload):
    order_id: int


class OrderRefunded(Payload):
    order_id: int
    refunded: int
    total: int
    currency: str


class ReservationAbandoned(Payload):
    """placeOrder could not confirm or release a reservation (the catalog stalled): release it."""

    reservation_id: str


# Payments ----------------------------------------------------------------------------------
class PaymentRequiresAction(Payload):
    payment_id: int
    order_id: int


class PaymentSucceeded(Payload):
    payment_id: int
    order_id: int
    amount: int
    currency: str
    provider: str


class PaymentFailed(Payload):
    payment_id: int
    order_id: int
    reason: str


class PaymentRefunded(Payload):
    payment_id: int
    order_id: int
    refund_id: int
    amount: int  # this refund
    refunded: int  # all refunded of the payment so far
    payment_amount: int
    currency: str


class PaymentDisputed(Payload):
    payment_id: int
    order_id: int
    amount: int


# Catalog -----------------------------------------------------------------------------------
class StockCommitted(Payload):
    reservation_id: str


class StockReleased(Payload):
    reservation_id: str
    reason: Literal["cancelled", "expired", "abandoned"]


class StockShortage(Payload):
    """A paid order's reservation had expired and its stock was sold again: an operator's case."""

    reservation_id: str
    order_id: int | None = None


EVENT_TYPES: dict[str, type[Payload]] = {
    "order.placed": OrderPlaced,
    "order.paid": OrderPaid,
    "order.cancelled": OrderCancelled,
    "order.expired": OrderExpired,
    "order.refund_requested": OrderRefundRequested,
    "order.fulfilled": OrderFulfilled,
    "order.shipped": OrderShipped,
    "order.delivered": OrderDelivered,
    "order.refunded": OrderRefunded,
    "reservation.abandoned": ReservationAbandoned,
    "payment.requires_action": PaymentRequiresAction,
    "payment.succeeded": PaymentSucceeded,
    "payment.failed": PaymentFailed,
    "payment.refunded": PaymentRefunded,
    "payment.disputed": PaymentDisputed,
    "stock.committed": StockCommitted,
    "stock.released": StockReleased,
    "stock.shortage": StockShortage,
}
TYPE_OF: dict[type[Payload], str] = {model: name for name, model in EVENT_TYPES.items()}


class UnknownEvent(ValueError):
    """An event type this build does not know; a consumer acknowledges and skips it."""


@dataclass(frozen=True)
class Event:
    """One domain event as every transport carries it (JSON)."""

    id: str
    type: str
    source: str
    occurred_at: datetime
    payload: dict[str, Any]

    @classmethod
    def new(cls, source: str, payload: Payload) -> Event:
        return cls(uuid.uuid4().hex, TYPE_OF[type(payload)], source, datetime.now(timezone.utc),
                   payload.model_dump(mode="json"))

    @property
    def version(self) -> int:
        return int(self.payload.get("version", 1))

    def data(self) -> Payload:
        """The payload as its model; UnknownEvent for a type this build does not know."""
        model = EVENT_TYPES.get(self.type)
        if model is None:
            raise UnknownEvent(self.type)
        return model.model_validate(self.payload)

    def to_json(self) -> bytes:
        return orjson.dumps({"id": self.id, "type": self.type, "source": self.source,
                             "occurred_at": self.occurred_at, "payload": self.payload})

    @classmethod
    def from_json(cls, raw: bytes | str) -> Event:
        """ValueError for anything that is not an event envelope."""
        body = orjson.loads(raw)
        if not isinstance(body, dict) or not isinstance(body.get("payload"), dict):
            raise ValueError("not an event envelope")
        try:
            occurred = datetime.fromisoformat(str(body["occurred_at"]))
            return cls(str(body["id"]), str(body["type"]), str(body["source"]), occurred, body["payload"])
        except KeyError as exc:
            raise ValueError(f"event envelope without {exc}") from None


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each event type's payload schema, as published in schema/events/<type>.json."""
    return {name: {**model.model_json_schema(), "$id": f"https://graft.dev/events/{name}.json", "title": name}
            for name, model in EVENT_TYPES.items()}
