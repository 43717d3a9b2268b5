"""Which service consumes which event types: one static table. A service's handlers (its
ServiceEvents) must cover exactly its row; the HTTP relay reads the table to know where to
deliver, and Redis consumers ignore what they have no handler for."""

from __future__ import annotations

SUBSCRIPTIONS: dict[str, frozenset[str]] = {
    "catalog": frozenset({"order.paid", "order.cancelled", "order.expired", "reservation.abandoned"}),
    "orders": frozenset({"payment.succeeded", "payment.failed", "payment.refunded", "payment.disputed",
                         "payment.requires_action"}),
    "payments": frozenset({"order.cancelled", "order.expired", "order.refund_requested"}),
}


def subscribers(event_type: str) -> tuple[str, ...]:
    """The services that consume `event_type`, in a stable order (none: it is only published)."""
    return tuple(sorted(name for name, types in SUBSCRIPTIONS.items() if event_type in types))
