"""PayPal through the official paypal-server-sdk (synchronous: every call runs in a thread).

A payment is a PayPal order with intent CAPTURE: creating it answers REQUIRES_ACTION with the
payer-action (approve) link; once the payer approved it (the CHECKOUT.ORDER.APPROVED webhook, or
reconciliation), `retrieve` captures it, which is what makes it SUCCEEDED. Refunds go through the
captures refund API. Every POST carries a PayPal-Request-Id made from our own row.

Webhooks are verified by PayPal itself: POST /v1/notifications/verify-webhook-signature with our
PAYPAL_WEBHOOK_ID. The SDK has no call for that API, so it is made with aiohttp, authorized with
the OAuth token the SDK obtained: the SDK's client-credentials manager fetches it through our
token provider, which keeps it for both (one token, refreshed when it expires)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import aiohttp
import orjson
from paypalserversdk.configuration import Configuration, Environment, Server
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.models.amount_with_breakdown import AmountWithBreakdown
from paypalserversdk.models.checkout_payment_intent import CheckoutPaymentIntent
from paypalserversdk.models.money import Money
from paypalserversdk.models.order_request import OrderRequest
from paypalserversdk.models.payment_source import PaymentSource
from paypalserversdk.models.paypal_experience_user_action import PaypalExperienceUserAction
from paypalserversdk.models.paypal_wallet import PaypalWallet
from paypalserversdk.models.paypal_wallet_experience_context import PaypalWalletExperienceContext
from paypalserversdk.models.purchase_unit_request import PurchaseUnitRequest
from paypalserversdk.models.refund_request import RefundRequest
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient

from subgraphs.payments.providers.base import (
    Attempt, IntentStatus, ProviderError, RefundResult, StartRequest, WebhookEvent, WebhookKind, WebhookRejected,
)

T = TypeVar("T")

ZERO_DECIMAL = {"JPY", "HUF", "TWD"}  # PayPal currencies without minor units
TRANSMISSION_HEADERS = {  # verify-webhook-signature field → the header PayPal sends it in
    "auth_algo": "PAYPAL-AUTH-ALGO", "cert_url": "PAYPAL-CERT-URL", "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG", "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}


def to_value(amount: int, currency: str) -> str:
    """Minor units → PayPal's decimal string."""
    return str(amount) if currency.upper() in ZERO_DECIMAL else f"{Decimal(amount) / 100:.2f}"


def to_minor(value: str | None, currency: str | None) -> int | None:
    if value is None:
        return None
    return int(Decimal(value) * (1 if (currency or "").upper() in ZERO_DECIMAL else 100))


class _Configuration(Configuration):
    """The SDK's configuration with the API at `base_uri` (a stand-in, or a regional host)
    instead of the fixed sandbox and production addresses."""

    def __init__(self, base_uri: str, **kwargs: Any) -> None:
        self.base_uri = base_uri.rstrip("/")
        super().__init__(**kwargs)

    def get_base_uri(self, server: Server = Server.DEFAULT) -> str:
        return self.base_uri


def _link(order: Mapping[str, Any], *rels: str) -> str | None:
    for rel in rels:
        for link in order.get("links") or []:
            if link.get("rel") == rel:
                return str(link.get("href"))
    return None


def _capture(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for unit in order.get("purchase_units") or []:
        for capture in ((unit.get("payments") or {}).get("captures") or []):
            return capture
    return None


def attempt_from_order(order: Mapping[str, Any]) -> Attempt:
    reference, status = str(order["id"]), str(order.get("status"))
    if status in ("CREATED", "SAVED", "PAYER_ACTION_REQUIRED", "APPROVED"):
        return Attempt(reference, IntentStatus.REQUIRES_ACTION, redirect_url=_link(order, "payer-action", "approve"))
    if status == "VOIDED":
        return Attempt(reference, IntentStatus.CANCELED)
    capture = _capture(order) or {}
    capture_status = capture.get("status")
    if capture_status in ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"):
        return Attempt(reference, IntentStatus.SUCCEEDED)
    if capture_status in ("DECLINED", "FAILED"):
        return Attempt(reference, IntentStatus.FAILED, failure_message="PayPal declined the payment.")
    return Attempt(reference, IntentStatus.PROCESSING)


class PayPalProvider:
    name = "paypal"

    def __init__(self, client_id: str, client_secret: str, *, api_base: str | None, webhook_id: str | None,
                 http: aiohttp.ClientSession, return_url: str, production: bool = False) -> None:
        environment = Environment.PRODUCTION if production else Environment.SANDBOX
        self.api_base = (api_base or Configuration.environments[environment][Server.DEFAULT]).rstrip("/")
        self._token: Any = None
        self._token_lock = threading.Lock()
        credentials = ClientCredentialsAuthCredentials(o_auth_client_id=client_id, o_auth_client_secret=client_secret,
                                                       o_auth_token_provider=self._token_for)
        config = _Configuration(self.api_base, environment=environment, timeout=20, max_retries=2,
                                retry_methods=["GET", "POST"],  # every POST of ours carries a PayPal-Request-Id
                                client_credentials_auth_credentials=credentials)
        self.client = PaypalServersdkClient(config=config)
        self.webhook_id, self.http, self.return_url = webhook_id, http, return_url

    def _token_for(self, last: Any, manager: Any) -> Any:
        """The SDK's token provider: our token while it lasts, else a new one fetched by the
        SDK's own client-credentials call."""
        with self._token_lock:
            if self._token is None or manager.is_token_expired(self._token):
                self._token = manager.fetch_token()
            return self._token

    async def start(self, request: StartRequest) -> Attempt:
        context = PaypalWalletExperienceContext(return_url=self.return_url, cancel_url=self.return_url,
                                                user_action=PaypalExperienceUserAction.PAY_NOW)
        body = OrderRequest(
            intent=CheckoutPaymentIntent.CAPTURE,
            purchase_units=[PurchaseUnitRequest(
                amount=AmountWithBreakdown(currency_code=request.currency.upper(),
                                           value=to_value(request.amount, request.currency)),
                custom_id=str(request.payment_id), description=request.description[:127],
            )],
            payment_source=PaymentSource(paypal=PaypalWallet(experience_context=context)),
        )
        order = await self._call(self.client.orders.create_order, {
            "body": body, "paypal_request_id": request.idempotency_key, "prefer": "return=representation"})
        return attempt_from_order(order)

    async def retrieve(self, reference: str) -> Attempt:
        order = await self._call(self.client.orders.get_order, {"id": reference})
        if order.get("status") == "APPROVED":
            try:
                order = await self._call(self.client.orders.capture_order, {
                    "id": reference, "paypal_request_id": f"graft-capture-{reference}",
                    "prefer": "return=representation"})
            except ProviderError as exc:
                if exc.retryable:
                    raise
                order = await self._call(self.client.orders.get_order, {"id": reference})  # captured meanwhile
        return attempt_from_order(order)

    async def cancel(self, reference: str) -> Attempt:
        """PayPal has no call to cancel an order: one that is not captured is simply never
        captured (PayPal voids it when it expires)."""
        order = await self._call(self.client.orders.get_order, {"id": reference})
        if order.get("status") == "COMPLETED":
            return attempt_from_order(order)
        return Attempt(reference, IntentStatus.CANCELED)

    async def refund(self, *, reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult:
        order = await self._call(self.client.orders.get_order, {"id": reference})
        capture = _capture(order)
        if capture is None:
            raise ProviderError("The PayPal payment was never captured.", "BAD_USER_INPUT")
        body = RefundRequest(amount=Money(currency_code=currency.upper(), value=to_value(amount, currency)),
                             custom_id=idempotency_key)
        refund = await self._call(self.client.payments.refund_captured_payment, {
            "capture_id": capture["id"], "body": body, "paypal_request_id": idempotency_key,
            "prefer": "return=representation"})
        return RefundResult(str(refund["id"]))

    async def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if not self.webhook_id:
            raise WebhookRejected("PayPal webhooks are not configured (PAYPAL_WEBHOOK_ID)")
        fields = {name: headers.get(header) for name, header in TRANSMISSION_HEADERS.items()}
        if not all(fields.values()):
            raise WebhookRejected("Missing PayPal transmission headers")
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise WebhookRejected("Webhook body is not a JSON event") from None
        if not isinstance(event, dict) or not event.get("id"):
            raise WebhookRejected("Webhook body is not a PayPal event")
        if await self._verification(fields, event) != "SUCCESS":
            raise WebhookRejected("Webhook signature does not verify")
        return webhook_from_event(event)

    async def _verification(self, fields: dict[str, str | None], event: dict[str, Any]) -> str | None:
        token = await asyncio.to_thread(self._token_for, None, self.client.oauth_2)
        request = {**fields, "webhook_id": self.webhook_id, "webhook_event": event}
        try:
            async with self.http.post(f"{self.api_base}/v1/notifications/verify-webhook-signature", json=request,
                                      headers={"Authorization": f"Bearer {token.access_token}"}) as resp:
                answer = await resp.json(content_type=None) if resp.status == 200 else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderError("PayPal is unavailable; try again.", "PROVIDER_UNAVAILABLE", retryable=True) from exc
        return answer.get("verification_status") if isinstance(answer, dict) else None

    async def _call(self, method: Callable[[dict[str, Any]], Any], options: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await asyncio.to_thread(method, options)
        except ApiException as exc:
            if exc.response_code in (408, 429) or exc.response_code >= 500:
                raise ProviderError("PayPal is unavailable; try again.", "PROVIDER_UNAVAILABLE",
                                    retryable=True) from exc
            message = getattr(exc, "message", None) or "PayPal refused the request."
            raise ProviderError(message, "BAD_USER_INPUT") from None
        except Exception as exc:  # the SDK's HTTP layer (requests) failing to connect, time out, ...
            raise ProviderError("PayPal is unavailable; try again.", "PROVIDER_UNAVAILABLE", retryable=True) from exc
        body = orjson.loads(response.text) if response.text else {}
        return body if isinstance(body, dict) else {}

    async def close(self) -> None:
        return None


def webhook_from_event(event: Mapping[str, Any]) -> WebhookEvent:
    """A verified PayPal webhook event in neutral terms."""
    event_id, event_type = str(event["id"]), str(event.get("event_type", ""))
    resource = event.get("resource") or {}
    if not isinstance(resource, Mapping):
        return WebhookEvent(event_id, event_type, WebhookKind.OTHER)
    custom = resource.get("custom_id")
    payment_id = int(custom) if isinstance(custom, str) and custom.isdigit() else None
    order_id = ((resource.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id")
    amount = resource.get("amount") or {}
    if event_type == "CHECKOUT.ORDER.APPROVED":
        unit = (resource.get("purchase_units") or [{}])[0]
        custom = unit.get("custom_id")
        return WebhookEvent(event_id, event_type, WebhookKind.UPDATED, reference=resource.get("id"),
                            payment_id=int(custom) if isinstance(custom, str) and custom.isdigit() else None)
    if event_type == "PAYMENT.CAPTURE.COMPLETED":
        return WebhookEvent(event_id, event_type, WebhookKind.SUCCEEDED, reference=order_id, payment_id=payment_id,
                            amount=to_minor(amount.get("value"), amount.get("currency_code")))
    if event_type in ("PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"):
        return WebhookEvent(event_id, event_type, WebhookKind.FAILED, reference=order_id, payment_id=payment_id,
                            failure_message="PayPal declined the payment.")
    if event_type == "PAYMENT.CAPTURE.REFUNDED":  # the resource is the Refund
        total = ((resource.get("seller_payable_breakdown") or {}).get("total_refunded_amount") or {})
        return WebhookEvent(event_id, event_type, WebhookKind.REFUNDED, reference=order_id, payment_id=payment_id,
                            refunded_total=to_minor(total.get("value"), total.get("currency_code")),
                            refund_reference=resource.get("id"))
    return WebhookEvent(event_id, event_type, WebhookKind.OTHER)
