"""What the payments subgraph needs from a provider, in the provider's neutral terms: a payment is
started, looked up, cancelled and refunded, and a webhook is verified and read. Every call that
changes something at the provider carries an idempotency key made from our own row, so a retry
(by the SDK, a redelivered event, a replica, a crash) never charges or refunds twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class IntentStatus(StrEnum):
    """Where a payment stands at the provider."""

    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"  # the payer must do something: see `redirect_url`
    PROCESSING = "processing"  # the provider will decide later
    FAILED = "failed"  # declined; `failure_message` says why, in words for the payer
    CANCELED = "canceled"  # abandoned before it succeeded; no money moved


@dataclass(frozen=True)
class StartRequest:
    payment_id: int
    amount: int  # minor units
    currency: str
    payment_method: str
    idempotency_key: str
    description: str


@dataclass(frozen=True)
class Attempt:
    """The provider's answer about one payment."""

    reference: str  # the provider's id for it (Stripe's PaymentIntent, PayPal's order)
    status: IntentStatus
    redirect_url: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    reference: str


class WebhookKind(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"  # money went back (`refunded_total`: all refunded of the payment so far)
    DISPUTED = "disputed"
    UPDATED = "updated"  # changed in a way only `retrieve` tells (a PayPal order the payer approved)
    OTHER = "other"  # acknowledged, nothing to do


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook event in neutral terms."""

    id: str  # the provider's event id: applied once
    type: str  # the provider's own name for it, for the log
    kind: WebhookKind
    reference: str | None = None  # the payment at the provider (as in Attempt.reference)
    payment_id: int | None = None  # ours, when the provider carries it back (metadata, custom_id)
    amount: int | None = None  # of the payment, or the dispute
    refunded_total: int | None = None
    refund_reference: str | None = None
    failure_message: str | None = None


class ProviderError(Exception):
    """The provider refused or could not be reached; the message is safe for the client."""

    def __init__(self, message: str, code: str = "PAYMENT_FAILED", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class WebhookRejected(Exception):
    """Not a genuine, fresh webhook from the provider: answered 400 with this message, which
    never repeats what was sent."""


class PaymentProvider(Protocol):
    name: str

    async def start(self, request: StartRequest) -> Attempt:
        """Create and confirm the payment. A decline is an Attempt with status FAILED; a
        ProviderError means the request itself failed (retryable: try again later)."""
        ...

    async def retrieve(self, reference: str) -> Attempt:
        """The payment's state now, finishing what the payer started where the provider
        needs us to (PayPal: an approved order is captured)."""
        ...

    async def cancel(self, reference: str) -> Attempt:
        """Abandon a payment that has not succeeded; answers its state afterwards, which is
        SUCCEEDED when it was too late."""
        ...

    async def refund(self, *, reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult: ...

    async def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the webhook's signature (WebhookRejected if it is not genuine) and read it."""
        ...

    async def close(self) -> None: ...
