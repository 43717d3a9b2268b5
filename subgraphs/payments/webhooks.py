"""POST /webhooks/{stripe,paypal,offline}: a provider telling us what happened to a payment.

The provider verifies and reads the webhook (providers/*: Stripe's signature with
stripe.Webhook.construct_event, PayPal's verify-webhook-signature API); anything not genuine or
too old is a 400 with a message of ours and no change. The event's id is recorded in
`webhook_events` in the same transaction as its effect, so a redelivery (providers deliver at
least once) changes nothing and is answered 200."""

from __future__ import annotations

import logging

import orjson
from aiohttp import web
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from subgraphs.common.db import Database
from subgraphs.payments import outcomes, refunding, states
from subgraphs.payments.models import Payment, WebhookEvent as WebhookRecord
from subgraphs.payments.providers import (
    Attempt, IntentStatus, PaymentProvider, ProviderError, Providers, WebhookEvent, WebhookKind, WebhookRejected,
)
from subgraphs.payments.states import Status

log = logging.getLogger("graft.payments.webhooks")

PROVIDERS = web.AppKey("providers", Providers)
DB = web.AppKey("payments_db", Database)
ROUTE = "/webhooks/{provider:(stripe|paypal|offline)}"


def _json(body: dict, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


async def handle(request: web.Request) -> web.Response:
    providers = request.app.get(PROVIDERS)
    provider = providers.get(request.match_info["provider"]) if providers is not None else None
    if providers is None or provider is None:
        return _json({"error": "This provider's webhooks are not configured here"}, 404)
    body = await request.read()
    try:
        event = await provider.parse_webhook(body, request.headers)
    except WebhookRejected as exc:
        log.warning("%s webhook rejected: %s", provider.name, exc)
        return _json({"error": str(exc)}, 400)
    except ProviderError as exc:  # PayPal's verification could not be asked: let PayPal deliver it again
        log.warning("%s webhook not verified now: %s", provider.name, exc)
        return _json({"error": "Cannot verify the webhook now; deliver it again later"}, 503)
    try:
        applied = await apply(request.app[DB], providers, provider, event)
    except ProviderError as exc:
        log.warning("%s webhook %s not applied now: %s", provider.name, event.id, exc)
        return _json({"error": "Cannot apply the webhook now; deliver it again later"}, 503)
    return _json({"received": True, "duplicate": not applied})


class _Duplicate(Exception):
    pass


async def _seen(db: Database, provider: str, event_id: str) -> bool:
    async with db.session() as session:
        return await session.get(WebhookRecord, (provider, event_id)) is not None


async def _payment(db: Database, provider: str, event: WebhookEvent) -> Payment | None:
    """The payment the event is about: by the provider's reference, else by our id carried back
    (metadata) when the reference was not recorded yet (the webhook outran payOrder's answer)."""
    async with db.session() as session:
        if event.reference:
            found = await session.scalar(select(Payment).where(Payment.provider == provider,
                                                               Payment.provider_ref == event.reference))
            if found is not None:
                return found
        if event.payment_id is not None:
            return await session.scalar(select(Payment).where(
                Payment.id == event.payment_id, Payment.provider == provider,
                or_(Payment.provider_ref.is_(None), Payment.provider_ref == (event.reference or "")),
            ))
    return None


async def apply(db: Database, providers: Providers, provider: PaymentProvider, event: WebhookEvent) -> bool:
    """Apply a verified event once; False for one applied before."""
    if await _seen(db, provider.name, event.id):
        return False
    payment = await _payment(db, provider.name, event) if event.kind is not WebhookKind.OTHER else None
    attempt: Attempt | None = None
    if payment is not None:
        reference = event.reference or payment.provider_ref or ""
        if event.kind is WebhookKind.UPDATED and payment.status in states.UNDER_WAY and payment.provider_ref:
            attempt = await provider.retrieve(payment.provider_ref)  # PayPal: captures an approved order
        elif event.kind is WebhookKind.SUCCEEDED:
            attempt = Attempt(reference, IntentStatus.SUCCEEDED)
        elif event.kind is WebhookKind.FAILED:
            attempt = Attempt(reference, IntentStatus.FAILED, failure_message=event.failure_message)
    follow = outcomes.FollowUps()
    try:
        async with db.session() as session, session.begin():
            session.add(WebhookRecord(provider=provider.name, event_id=event.id[:100], type=event.type[:64]))
            try:
                await session.flush()
            except IntegrityError:
                raise _Duplicate() from None
            if payment is None:
                if event.kind is not WebhookKind.OTHER:
                    log.info("%s webhook %s (%s) names no payment of ours", provider.name, event.id, event.type)
            elif attempt is not None:
                follow = await outcomes.record(session, payment, attempt)
            elif event.kind is WebhookKind.REFUNDED and event.refunded_total is not None:
                await refunding.record_external(session, payment, event.refunded_total, event.refund_reference)
            elif event.kind is WebhookKind.DISPUTED:
                await states.move(session, payment, Status.DISPUTED, dispute_amount=event.amount)
    except _Duplicate:
        return False
    await outcomes.run(db, providers, follow)
    return True
