"""Stripe through the official SDK's async client (aiohttp), every change idempotent. Webhooks are
verified with stripe.Webhook.construct_event; the offline provider signs its own the same way and
is read by the same functions here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import stripe

from subgraphs.payments.providers.base import (
    Attempt, IntentStatus, ProviderError, RefundResult, StartRequest, WebhookEvent, WebhookKind, WebhookRejected,
)

DEFAULT_TOLERANCE = 300  # seconds a signed webhook stays acceptable (Stripe's own default)

_STATUSES = {
    "succeeded": IntentStatus.SUCCEEDED,
    "requires_action": IntentStatus.REQUIRES_ACTION,
    "processing": IntentStatus.PROCESSING,
    "requires_capture": IntentStatus.PROCESSING,
    "requires_confirmation": IntentStatus.PROCESSING,
    "requires_payment_method": IntentStatus.FAILED,  # after a confirm: the attempt was declined
    "canceled": IntentStatus.CANCELED,
}


def attempt_from_intent(intent: Mapping[str, Any]) -> Attempt:
    """A PaymentIntent (as a plain dict) in neutral terms."""
    status = _STATUSES.get(str(intent.get("status")), IntentStatus.PROCESSING)
    redirect = None
    if status is IntentStatus.REQUIRES_ACTION:
        action = intent.get("next_action") or {}
        redirect = (action.get("redirect_to_url") or {}).get("url")
    failure = None
    if status is IntentStatus.FAILED:
        failure = (intent.get("last_payment_error") or {}).get("message") or "The payment was declined."
    return Attempt(reference=str(intent["id"]), status=status, redirect_url=redirect, failure_message=failure)


def _payment_id(obj: Mapping[str, Any]) -> int | None:
    value = (obj.get("metadata") or {}).get("graft_payment_id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def verify_event(body: bytes, signature: str | None, secret: str, tolerance: int) -> dict[str, Any]:
    """The event the body holds, once its Stripe-Signature proves it was signed with `secret`
    within `tolerance` seconds; WebhookRejected otherwise (nothing of the body is repeated)."""
    if not signature:
        raise WebhookRejected("Missing Stripe-Signature header")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRejected("Webhook body is not UTF-8 text") from None
    try:
        event = stripe.Webhook.construct_event(text, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        if "tolerance" in str(exc):
            raise WebhookRejected("Webhook signature timestamp is outside the tolerance window") from None
        raise WebhookRejected("Webhook signature does not verify") from None
    except ValueError:
        raise WebhookRejected("Webhook body is not a JSON event") from None
    return event.to_dict()


def webhook_from_event(event: Mapping[str, Any]) -> WebhookEvent:
    """A verified Stripe event (dict) in neutral terms."""
    kind_of = {
        "payment_intent.succeeded": WebhookKind.SUCCEEDED,
        "payment_intent.payment_failed": WebhookKind.FAILED,
        "payment_intent.requires_action": WebhookKind.UPDATED,
        "payment_intent.processing": WebhookKind.UPDATED,
        "payment_intent.canceled": WebhookKind.UPDATED,
        "charge.refunded": WebhookKind.REFUNDED,
        "charge.dispute.created": WebhookKind.DISPUTED,
    }
    event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
    if not event_id:
        raise WebhookRejected("Webhook event has no id")
    kind = kind_of.get(event_type, WebhookKind.OTHER)
    obj = (event.get("data") or {}).get("object") or {}
    if kind is WebhookKind.OTHER or not isinstance(obj, Mapping):
        return WebhookEvent(event_id, event_type, WebhookKind.OTHER)
    if event_type.startswith("payment_intent."):
        attempt = attempt_from_intent(obj)
        return WebhookEvent(event_id, event_type, kind, reference=attempt.reference, payment_id=_payment_id(obj),
                            amount=obj.get("amount"), failure_message=attempt.failure_message)
    if kind is WebhookKind.REFUNDED:  # the object is the Charge; amount_refunded counts every refund so far
        refunds = ((obj.get("refunds") or {}).get("data") or []) if isinstance(obj.get("refunds"), Mapping) else []
        return WebhookEvent(event_id, event_type, kind, reference=obj.get("payment_intent"), payment_id=_payment_id(obj),
                            amount=obj.get("amount"), refunded_total=int(obj.get("amount_refunded") or 0),
                            refund_reference=refunds[0].get("id") if refunds else None)
    # charge.dispute.created: the object is the Dispute
    return WebhookEvent(event_id, event_type, kind, reference=obj.get("payment_intent"),
                        payment_id=_payment_id(obj), amount=obj.get("amount"))


class StripeProvider:
    name = "stripe"

    def __init__(self, api_key: str, *, api_base: str | None = None, webhook_secret: str | None = None,
                 tolerance: int = DEFAULT_TOLERANCE, return_url: str, max_network_retries: int = 2) -> None:
        self.http_client = stripe.AIOHTTPClient(timeout=20)
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self.http_client,
        )
        self.webhook_secret = webhook_secret
        self.tolerance = tolerance
        self.return_url = return_url

    async def start(self, request: StartRequest) -> Attempt:
        params = {
            "amount": request.amount, "currency": request.currency.lower(), "payment_method": request.payment_method,
            "confirm": True, "description": request.description, "payment_method_types": ["card"],
            "return_url": self.return_url, "metadata": {"graft_payment_id": str(request.payment_id)},
        }
        try:
            intent = await self._call(self.client.v1.payment_intents.create_async, params=params,
                                      options={"idempotency_key": request.idempotency_key})
        except stripe.CardError as exc:
            # a decline: Stripe answers 402 with the intent (now requires_payment_method) inside the error
            error = exc.error
            intent_id = getattr(getattr(error, "payment_intent", None), "id", None) if error else None
            message = exc.user_message or "Your card was declined."
            return Attempt(reference=intent_id or "", status=IntentStatus.FAILED, failure_message=message)
        return attempt_from_intent(intent.to_dict())

    async def retrieve(self, reference: str) -> Attempt:
        intent = await self._call(self.client.v1.payment_intents.retrieve_async, reference)
        return attempt_from_intent(intent.to_dict())

    async def cancel(self, reference: str) -> Attempt:
        try:
            intent = await self._call(self.client.v1.payment_intents.cancel_async, reference)
        except ProviderError as exc:
            if exc.retryable:
                raise
            return await self.retrieve(reference)  # too late to cancel (it succeeded): say how it stands
        return attempt_from_intent(intent.to_dict())

    async def refund(self, *, reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult:
        params = {"payment_intent": reference, "amount": amount, "metadata": {"graft_refund_key": idempotency_key}}
        refund = await self._call(self.client.v1.refunds.create_async, params=params,
                                  options={"idempotency_key": idempotency_key})
        return RefundResult(reference=refund.id)

    async def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if not self.webhook_secret:
            raise WebhookRejected("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)")
        return webhook_from_event(verify_event(body, headers.get("Stripe-Signature"), self.webhook_secret,
                                               self.tolerance))

    async def _call(self, method: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except stripe.CardError:
            raise
        except stripe.InvalidRequestError as exc:
            raise ProviderError(exc.user_message or "The payment request was invalid.", "BAD_USER_INPUT") from None
        except stripe.StripeError as exc:
            raise ProviderError("The payment provider is unavailable; try again.", "PROVIDER_UNAVAILABLE",
                                retryable=True) from exc

    async def close(self) -> None:
        await self.http_client.close_async()
