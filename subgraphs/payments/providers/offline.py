"""A provider that needs no network: for `make run` and development.

It plays Stripe's side with Stripe's documented test payment methods, so flows that work offline
work against Stripe too: `pm_card_visa` and other `pm_` methods succeed, the decline cards are
declined, and `pm_card_threeDSecure2Required` needs the payer's authentication on a page the
payments service serves (/offline/authenticate/<intent>). Completing it there makes this provider
send the payments service a webhook over HTTP, signed the way Stripe signs (an offline secret), to
POST /webhooks/offline. Its intents and refunds are rows in the payments database."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from subgraphs.common.db import Database, rows_matched
from subgraphs.payments.models import OfflineIntent, OfflineRefund
from subgraphs.payments.providers.base import (
    Attempt, ProviderError, RefundResult, StartRequest, WebhookEvent, WebhookRejected,
)
from subgraphs.payments.providers.stripe import DEFAULT_TOLERANCE, attempt_from_intent, verify_event, webhook_from_event

log = logging.getLogger("graft.payments.offline")

DEV_WEBHOOK_SECRET = "whsec_graft_offline_dev"

DECLINES = {
    "pm_card_chargeDeclined": "Your card was declined.",
    "pm_card_chargeDeclinedInsufficientFunds": "Your card has insufficient funds.",
    "pm_card_chargeDeclinedExpiredCard": "Your card has expired.",
}
AUTHENTICATION = {"pm_card_threeDSecure2Required", "pm_card_authenticationRequired"}
AUTHENTICATION_FAILED = "We are unable to authenticate your payment method."


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload`: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class OfflineProvider:
    name = "offline"

    def __init__(self, db: Database, http: aiohttp.ClientSession | None, public_url: str,
                 webhook_secret: str = DEV_WEBHOOK_SECRET, tolerance: int = DEFAULT_TOLERANCE) -> None:
        self.db, self.http, self.public_url = db, http, public_url.rstrip("/")
        self.webhook_secret, self.tolerance = webhook_secret, tolerance

    async def start(self, request: StartRequest) -> Attempt:
        method = request.payment_method
        if not method.startswith("pm_"):
            raise ProviderError(f"Unknown payment method {method[:40]!r}", "BAD_USER_INPUT")
        if message := DECLINES.get(method):
            status, error = "requires_payment_method", message
        elif method in AUTHENTICATION:
            status, error = "requires_action", None
        else:
            status, error = "succeeded", None
        intent = OfflineIntent(id=f"pi_offline_{uuid.uuid4().hex[:24]}", idempotency_key=request.idempotency_key,
                               amount=request.amount, currency=request.currency, payment_method=method,
                               status=status, last_error=error, payment_id=request.payment_id)
        try:
            async with self.db.session() as session, session.begin():
                session.add(intent)
        except IntegrityError:  # the same key again: the intent made the first time, as Stripe answers
            async with self.db.session() as session:
                intent = (await session.scalars(select(OfflineIntent).where(
                    OfflineIntent.idempotency_key == request.idempotency_key))).one()
        return attempt_from_intent(self._as_stripe(intent))

    async def retrieve(self, reference: str) -> Attempt:
        return attempt_from_intent(self._as_stripe(await self._intent(reference)))

    async def cancel(self, reference: str) -> Attempt:
        async with self.db.session() as session, session.begin():
            await session.execute(update(OfflineIntent).where(
                OfflineIntent.id == reference,
                OfflineIntent.status.in_(("requires_action", "requires_payment_method", "processing")),
            ).values(status="canceled"))
        return await self.retrieve(reference)

    async def refund(self, *, reference: str, amount: int, currency: str, idempotency_key: str) -> RefundResult:
        async with self.db.session() as session, session.begin():
            done = await session.scalar(select(OfflineRefund).where(OfflineRefund.idempotency_key == idempotency_key))
            if done is not None:
                return RefundResult(done.id)
            taken = await rows_matched(session, update(OfflineIntent).where(
                OfflineIntent.id == reference, OfflineIntent.status == "succeeded",
                OfflineIntent.refunded + amount <= OfflineIntent.amount,
            ).values(refunded=OfflineIntent.refunded + amount))
            if taken != 1:
                raise ProviderError("The refund exceeds what the payment can return.", "BAD_USER_INPUT")
            refund = OfflineRefund(id=f"re_offline_{uuid.uuid4().hex[:24]}", idempotency_key=idempotency_key,
                                   intent_id=reference, amount=amount)
            session.add(refund)
        return RefundResult(refund.id)

    async def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        return webhook_from_event(verify_event(body, headers.get("Stripe-Signature"), self.webhook_secret,
                                               self.tolerance))

    async def close(self) -> None:
        return None

    # The payer's side: the authentication page ------------------------------------------------
    async def intent(self, reference: str) -> OfflineIntent | None:
        async with self.db.session() as session:
            return await session.get(OfflineIntent, reference)

    async def authenticate(self, reference: str, complete: bool) -> bool:
        """The payer completed (or failed) the authentication of an intent that awaited it: the
        intent moves on and a signed webhook tells the payments service. False when the intent
        was not awaiting authentication."""
        status, error = ("succeeded", None) if complete else ("requires_payment_method", AUTHENTICATION_FAILED)
        async with self.db.session() as session, session.begin():
            moved = await rows_matched(session, update(OfflineIntent).where(
                OfflineIntent.id == reference, OfflineIntent.status == "requires_action",
            ).values(status=status, last_error=error))
        if moved != 1:
            return False
        intent = await self._intent(reference)
        await self.send_webhook("payment_intent.succeeded" if complete else "payment_intent.payment_failed",
                                self._as_stripe(intent))
        return True

    async def send_webhook(self, event_type: str, obj: dict[str, Any]) -> None:
        """POST a Stripe-shaped event to our own /webhooks/offline. A failure is logged: the
        reconciliation job finds the intent's state later all the same."""
        if self.http is None:
            return
        event = {"id": f"evt_offline_{uuid.uuid4().hex[:24]}", "object": "event", "type": event_type,
                 "created": int(time.time()), "livemode": False, "data": {"object": obj}}
        payload = orjson.dumps(event)
        headers = {"Content-Type": "application/json",
                   "Stripe-Signature": stripe_signature(payload, self.webhook_secret)}
        try:
            async with self.http.post(f"{self.public_url}/webhooks/offline", data=payload, headers=headers) as resp:
                if resp.status != 200:
                    log.warning("offline webhook %s answered %d", event_type, resp.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("offline webhook %s not delivered: %s", event_type, exc)

    async def _intent(self, reference: str) -> OfflineIntent:
        intent = await self.intent(reference)
        if intent is None:
            raise ProviderError("No such payment at the offline provider.", "BAD_USER_INPUT")
        return intent

    def _as_stripe(self, intent: OfflineIntent) -> dict[str, Any]:
        """The intent as Stripe would render it (the fields Graft reads)."""
        body: dict[str, Any] = {
            "id": intent.id, "object": "payment_intent", "amount": intent.amount, "currency": intent.currency.lower(),
            "status": intent.status, "payment_method": intent.payment_method,
            "metadata": {"graft_payment_id": str(intent.payment_id)} if intent.payment_id else {},
        }
        if intent.status == "requires_action":
            body["next_action"] = {"type": "redirect_to_url", "redirect_to_url": {
                "url": f"{self.public_url}/offline/authenticate/{intent.id}", "return_url": None}}
        if intent.last_error:
            body["last_payment_error"] = {"type": "card_error", "message": intent.last_error}
        return body
