"""The payments subgraph's own tables."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


def now() -> datetime:
    return datetime.now(timezone.utc)


class Payment(Base):
    """One attempt to take an order's total through one provider; its `status` moves only as
    subgraphs/payments/states.py allows."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    # the order's buyer, copied from orders when paying, for ownership checks here
    buyer_id: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    # reserved for refunds: settled ones and those under way (never more than `amount`)
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    # refunds the provider confirmed
    refunded_settled: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    payment_method: Mapped[str | None] = mapped_column(String(100), nullable=True)
    next_action_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    failure_message: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # set while a payment is under way or holds money: at most one live payment per order
    live_order_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    # a reconciliation replica's claim on the payment while it asks the provider
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Refund(Base):
    """Money going back: `pending` from the moment it is reserved (before the provider is
    called, with an idempotency key made from this row's id) until the provider answers."""

    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="succeeded", index=True)  # pending, succeeded, failed
    # graft (refundPayment, a closed order) or provider (made outside Graft, learnt from a webhook)
    source: Mapped[str] = mapped_column(String(12), default="graft")
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # whoever calls the provider holds the refund until then; the sweeper retries after it
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class OrderGate(Base):
    """Per order, the row paying and closing both lock first: a payment is only opened while
    `closed_at` is empty, and the handler that closes the order sees every payment opened
    before it. `version` is what the lock writes."""

    __tablename__ = "order_gates"
    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(String(24), nullable=True)


class WebhookEvent(Base):
    """A provider's webhook event applied here, recorded in the transaction of its effect."""

    __tablename__ = "webhook_events"
    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class OfflineIntent(Base):
    """The offline provider's own record of a payment intent (it plays the provider's side, so
    its intents live here and survive a restart). Statuses are Stripe's."""

    __tablename__ = "offline_intents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    payment_method: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    payment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class OfflineRefund(Base):
    __tablename__ = "offline_refunds"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    intent_id: Mapped[str] = mapped_column(ForeignKey("offline_intents.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
