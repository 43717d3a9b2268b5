"""A local HTTP server standing in for the Stripe API (a third-party service we cannot reach from
here), driven only through the real stripe SDK. It keeps what Graft relies on as Stripe documents it:

- PaymentIntents: create (with confirm), retrieve, confirm, cancel; statuses succeeded,
  requires_action (next_action.redirect_to_url.url), processing, requires_payment_method (a decline
  is a 402 card_error carrying the intent), canceled;
- test payment methods: `pm_card_visa` and other `pm_card_*` succeed, `pm_card_chargeDeclined*`
  are declined, `pm_card_threeDSecure2Required` / `pm_card_authenticationRequired` need
  authentication, which the test completes or fails (`authenticate`); methods in
  `processing_methods` stay processing until `settle`;
- refunds (of a PaymentIntent, all that remains or an amount), and refunds and disputes made
  outside the API (the dashboard, the bank: `refund_outside`, `dispute`);
- Idempotency-Key: the first answer replayed for the same key and parameters, an
  idempotency_error for other parameters; `drop_responses` loses answers after doing the work;
- events for every change (`events`), delivered on demand to a URL signed exactly as Stripe signs
  them: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" with the secret>`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

API_KEY = "sk_test_graft"
DECLINED = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "expired_card", "Your card has expired."),
}
AUTHENTICATION = {"pm_card_threeDSecure2Required", "pm_card_authenticationRequired"}


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends with `payload`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _nested(form: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`metadata[k]=v`, `payment_method_types[0]=card`) → a dict."""
    out: dict[str, Any] = {}
    for key, value in form:
        if "[" in key:
            head, rest = key.split("[", 1)
            inner = rest.rstrip("]")
            container = out.setdefault(head, {})
            container[inner] = value
        else:
            out[key] = value
    return out


def _error(kind: str, message: str, code: str | None = None, **more: Any) -> dict:
    return {"error": {"type": kind, "message": message, **({"code": code} if code else {}), **more}}


@dataclass
class StripeStandIn:
    base_url: str = ""
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (method path, Idempotency-Key)
    processing_methods: set[str] = field(default_factory=set)
    drop_responses: int = 0
    _replies: dict[str, tuple[str, int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_post("/v1/payment_intents", self._create_intent)
        app.router.add_get("/v1/payment_intents/{id}", self._get_intent)
        app.router.add_post("/v1/payment_intents/{id}/confirm", self._confirm_intent)
        app.router.add_post("/v1/payment_intents/{id}/cancel", self._cancel_intent)
        app.router.add_post("/v1/refunds", self._create_refund)
        app.router.add_get("/authenticate/{id}", self._authentication_page)
        return app

    # what a test does as the payer, the bank or the dashboard ----------------------------------
    def authenticate(self, intent_id: str, succeed: bool = True) -> dict:
        """The payer completes (or fails) 3-D Secure on the page next_action pointed to."""
        intent = self.intents[intent_id]
        assert intent["status"] == "requires_action", intent["status"]
        intent["next_action"] = None
        if succeed:
            return self._succeed(intent)
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {"type": "card_error", "code": "payment_intent_authentication_failure",
                                        "message": "We are unable to authenticate your payment method."}
        return self._event("payment_intent.payment_failed", intent)

    def settle(self, intent_id: str) -> dict:
        """A processing payment succeeds at the bank."""
        intent = self.intents[intent_id]
        assert intent["status"] == "processing", intent["status"]
        return self._succeed(intent)

    def refund_outside(self, intent_id: str, amount: int) -> dict:
        """A refund made in Stripe's dashboard: the charge.refunded event it sends."""
        charge = self.charges[self.intents[intent_id]["latest_charge"]]
        refund = self._refund(charge, amount, {})
        assert refund is not None
        return self.events[-1]

    def dispute(self, intent_id: str) -> dict:
        intent = self.intents[intent_id]
        dispute = {"id": f"dp_{self._id()}", "object": "dispute", "amount": intent["amount"],
                   "currency": intent["currency"], "charge": intent["latest_charge"], "payment_intent": intent["id"],
                   "reason": "fraudulent", "status": "needs_response", "metadata": {}, "livemode": False}
        return self._event("charge.dispute.created", dispute)

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["type"] == event_type]

    async def deliver(self, event: dict, url: str, secret: str, *, timestamp: int | None = None,
                      signature: str | None = None, payload: bytes | None = None) -> tuple[int, dict]:
        """POST the event to a webhook endpoint as Stripe does (signed now, unless told otherwise)."""
        body = payload if payload is not None else json.dumps(event).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
        header = signature if signature is not None else sign(body, secret, timestamp)
        if header:
            headers["Stripe-Signature"] = header
        async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    # the API --------------------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/v1/") and request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response(_error("invalid_request_error", "Invalid API Key provided"), status=401)
        return await handler(request)

    async def _idempotent(self, request: web.Request, create: Any) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        self.requests.append((f"{request.method} {request.path}", key))
        raw = await request.text()
        params = _nested(parse_qsl(raw, keep_blank_values=True))
        fingerprint = f"{request.path}?{json.dumps(params, sort_keys=True)}"
        headers = {}
        if key and key in self._replies:
            seen, status, body = self._replies[key]
            if seen != fingerprint:
                status, body = 400, _error("idempotency_error", "Keys for idempotent requests can only be used with "
                                           "the same parameters they were first used with.")
            headers["Idempotent-Replayed"] = "true"
        else:
            status, body = create(request, params)
            if key:
                self._replies[key] = (fingerprint, status, body)
        if self.drop_responses:
            self.drop_responses -= 1
            assert request.transport is not None
            request.transport.close()  # the work is done, the answer is lost
            raise web.HTTPInternalServerError()
        return web.json_response(body, status=status, headers={"Idempotency-Key": key or "", **headers})

    async def _create_intent(self, request: web.Request) -> web.StreamResponse:
        return await self._idempotent(request, self._new_intent)

    async def _confirm_intent(self, request: web.Request) -> web.StreamResponse:
        def confirm(request: web.Request, params: dict[str, Any]) -> tuple[int, dict]:
            intent = self.intents.get(request.match_info["id"])
            if intent is None:
                return 404, _error("invalid_request_error", "No such payment_intent", "resource_missing")
            if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
                return 400, _error("invalid_request_error", "This PaymentIntent cannot be confirmed now.",
                                   "payment_intent_unexpected_state")
            intent["payment_method"] = params.get("payment_method", intent["payment_method"])
            return self._confirm(intent)
        return await self._idempotent(request, confirm)

    async def _cancel_intent(self, request: web.Request) -> web.StreamResponse:
        def cancel(request: web.Request, params: dict[str, Any]) -> tuple[int, dict]:
            intent = self.intents.get(request.match_info["id"])
            if intent is None:
                return 404, _error("invalid_request_error", "No such payment_intent", "resource_missing")
            if intent["status"] in ("succeeded", "canceled", "processing"):
                return 400, _error("invalid_request_error", "You cannot cancel this PaymentIntent because it has a "
                                   f"status of {intent['status']}.", "payment_intent_unexpected_state",
                                   payment_intent=intent)
            intent.update(status="canceled", next_action=None,
                          cancellation_reason=params.get("cancellation_reason", "requested_by_customer"))
            self._event("payment_intent.canceled", intent)
            return 200, intent
        return await self._idempotent(request, cancel)

    async def _get_intent(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((f"GET {request.path}", None))
        intent = self.intents.get(request.match_info["id"])
        if intent is None:
            return web.json_response(_error("invalid_request_error", "No such payment_intent", "resource_missing"),
                                     status=404)
        return web.json_response(intent)

    async def _create_refund(self, request: web.Request) -> web.StreamResponse:
        def create(_: web.Request, params: dict[str, Any]) -> tuple[int, dict]:
            intent = self.intents.get(params.get("payment_intent", ""))
            if intent is None:
                return 404, _error("invalid_request_error", "No such payment_intent", "resource_missing")
            if intent["status"] != "succeeded":
                return 400, _error("invalid_request_error", "This PaymentIntent does not have a successful charge "
                                   "to refund.", "charge_not_refundable")
            charge = self.charges[intent["latest_charge"]]
            remaining = charge["amount"] - charge["amount_refunded"]
            amount = int(params.get("amount", remaining))
            if remaining == 0:
                return 400, _error("invalid_request_error", f"Charge {charge['id']} has already been refunded.",
                                   "charge_already_refunded")
            if amount > remaining:
                return 400, _error("invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded "
                                   f"amount on charge ({remaining})", "amount_too_large")
            refund = self._refund(charge, amount, params.get("metadata") or {})
            return 200, refund
        return await self._idempotent(request, create)

    async def _authentication_page(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=f"<h1>Authenticate {request.match_info['id']}</h1>", content_type="text/html")

    # the bank's side ----------------------------------------------------------------------------
    def _id(self) -> str:
        return f"{next(self._ids):06d}"

    def _new_intent(self, _: web.Request, params: dict[str, Any]) -> tuple[int, dict]:
        for name in ("amount", "currency"):
            if name not in params:
                return 400, _error("invalid_request_error", f"Missing required param: {name}.", "parameter_missing",
                                   param=name)
        intent_id = f"pi_{self._id()}"
        intent: dict[str, Any] = {
            "id": intent_id, "object": "payment_intent", "amount": int(params["amount"]), "amount_received": 0,
            "currency": params["currency"], "status": "requires_payment_method", "payment_method": None,
            "metadata": params.get("metadata") or {}, "description": params.get("description"),
            "latest_charge": None, "last_payment_error": None, "next_action": None, "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_x", "created": int(time.time()), "livemode": False,
            "return_url": params.get("return_url"),
        }
        method = params.get("payment_method")
        if method is not None and not method.startswith("pm_"):
            return 400, _error("invalid_request_error", f"No such PaymentMethod: '{method[:20]}'", "resource_missing",
                               param="payment_method")
        self.intents[intent_id] = intent
        self._event("payment_intent.created", intent)
        if method is not None:
            intent["payment_method"] = method
            intent["status"] = "requires_confirmation"
        if params.get("confirm") == "true":
            if method is None:
                return 400, _error("invalid_request_error", "You must provide a payment_method to confirm.",
                                   "parameter_missing")
            return self._confirm(intent)
        return 200, intent

    def _confirm(self, intent: dict[str, Any]) -> tuple[int, dict]:
        method = intent["payment_method"]
        if method in DECLINED:
            code, decline_code, message = DECLINED[method]
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": code, "decline_code": decline_code,
                                            "message": message}
            self._event("payment_intent.payment_failed", intent)
            return 402, _error("card_error", message, code, decline_code=decline_code, payment_intent=intent)
        if method in AUTHENTICATION:
            intent["status"] = "requires_action"
            intent["next_action"] = {"type": "redirect_to_url", "redirect_to_url": {
                "url": f"{self.base_url}/authenticate/{intent['id']}", "return_url": intent.get("return_url")}}
            self._event("payment_intent.requires_action", intent)
            return 200, intent
        if method in self.processing_methods:
            intent["status"] = "processing"
            self._event("payment_intent.processing", intent)
            return 200, intent
        self._succeed(intent)
        return 200, intent

    def _succeed(self, intent: dict[str, Any]) -> dict:
        charge = {"id": f"ch_{self._id()}", "object": "charge", "amount": intent["amount"], "amount_refunded": 0,
                  "currency": intent["currency"], "payment_intent": intent["id"], "refunded": False,
                  "status": "succeeded", "metadata": {}, "refunds": {"object": "list", "data": []}}
        self.charges[charge["id"]] = charge
        intent.update(status="succeeded", latest_charge=charge["id"], amount_received=intent["amount"],
                      next_action=None, last_payment_error=None)
        self._event("charge.succeeded", charge)
        return self._event("payment_intent.succeeded", intent)

    def _refund(self, charge: dict[str, Any], amount: int, metadata: dict) -> dict:
        refund = {"id": f"re_{self._id()}", "object": "refund", "amount": amount, "charge": charge["id"],
                  "payment_intent": charge["payment_intent"], "currency": charge["currency"], "status": "succeeded",
                  "metadata": metadata}
        self.refunds.append(refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        self._event("charge.refunded", charge)
        return refund

    def _event(self, event_type: str, obj: dict[str, Any]) -> dict:
        event = {"id": f"evt_{self._id()}", "object": "event", "api_version": "2024-06-20", "type": event_type,
                 "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
                 "data": {"object": json.loads(json.dumps(obj))}}
        self.events.append(event)
        return event


async def start_stand_in() -> tuple[StripeStandIn, TestServer]:
    stand_in = StripeStandIn()
    server = TestServer(stand_in.app(), host="127.0.0.1")
    await server.start_server()
    stand_in.base_url = str(server.make_url("")).rstrip("/")
    return stand_in, server
