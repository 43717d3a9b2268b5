"""A local HTTP server standing in for PayPal's REST API (a third-party service we cannot reach from
here), driven only through the real paypal-server-sdk and the verify call Graft makes with aiohttp:

- POST /v1/oauth2/token: client credentials (HTTP Basic) → a bearer token every other call needs;
- Orders v2: create (intent CAPTURE; PAYER_ACTION_REQUIRED with a payer-action link when a paypal
  payment source with an experience context is given, else CREATED with an approve link), get,
  capture (422 ORDER_NOT_APPROVED before the payer approved, ORDER_ALREADY_CAPTURED after);
- Payments v2: refund a capture (all that remains, or an amount; 422 beyond it);
- PayPal-Request-Id: the first answer replayed for the same id;
- webhooks: every change makes an event (`events`); `deliver` POSTs one with PayPal's transmission
  headers, its signature made over "<transmission id>|<time>|<webhook id>|<crc32 of the body>";
  POST /v1/notifications/verify-webhook-signature answers SUCCESS only for a transmission this
  stand-in signed, for that webhook id, with that very event.
`approve` is the payer approving the order on PayPal's page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

CLIENT_ID, CLIENT_SECRET, WEBHOOK_ID = "graft-client", "graft-secret", "WH-GRAFT-1"
_SIGNING_KEY = b"paypal-stand-in-signing-key"


def _error(status: int, name: str, issue: str, message: str) -> web.Response:
    body = {"name": name, "message": message, "debug_id": "standin", "details": [{"issue": issue, "description": message}]}
    return web.json_response(body, status=status)


def _sign(transmission_id: str, when: str, webhook_id: str, body: bytes) -> str:
    message = f"{transmission_id}|{when}|{webhook_id}|{zlib.crc32(body)}".encode()
    return base64.b64encode(hmac.new(_SIGNING_KEY, message, hashlib.sha256).digest()).decode()


@dataclass
class PayPalStandIn:
    base_url: str = ""
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    captures: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (method path, PayPal-Request-Id)
    tokens: set[str] = field(default_factory=set)
    verifications: list[str] = field(default_factory=list)
    _replies: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_post("/v1/oauth2/token", self._token)
        app.router.add_post("/v2/checkout/orders", self._create_order)
        app.router.add_get("/v2/checkout/orders/{id}", self._get_order)
        app.router.add_post("/v2/checkout/orders/{id}/capture", self._capture_order)
        app.router.add_post("/v2/payments/captures/{id}/refund", self._refund_capture)
        app.router.add_post("/v1/notifications/verify-webhook-signature", self._verify)
        return app

    # the payer and the merchant's dashboard --------------------------------------------------------
    def approve(self, order_id: str) -> dict:
        order = self.orders[order_id]
        assert order["status"] in ("CREATED", "PAYER_ACTION_REQUIRED"), order["status"]
        order["status"] = "APPROVED"
        order["payer"] = {"payer_id": "PAYERSTANDIN", "email_address": "payer@example.com"}
        order["links"] = [link for link in order["links"] if link["rel"] == "self"] + [
            {"href": f"{self.base_url}/v2/checkout/orders/{order_id}/capture", "rel": "capture", "method": "POST"}]
        return self._event("CHECKOUT.ORDER.APPROVED", order)

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["event_type"] == event_type]

    async def deliver(self, event: dict, url: str, *, body: bytes | None = None,
                      signature: str | None = None) -> tuple[int, dict]:
        """POST the event as PayPal does, with its transmission headers (`body` or `signature`
        given: what an attacker sends instead)."""
        raw = json.dumps(event).encode()
        transmission_id, when = f"tx-{next(self._ids)}", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        headers = {
            "Content-Type": "application/json", "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": f"{self.base_url}/v1/notifications/certs/CERT-STANDIN",
            "PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": when,
            "PAYPAL-TRANSMISSION-SIG": signature if signature is not None else _sign(transmission_id, when,
                                                                                     WEBHOOK_ID, raw),
        }
        async with aiohttp.ClientSession() as http, http.post(url, data=body if body is not None else raw,
                                                              headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    # the API --------------------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path != "/v1/oauth2/token":
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer ") or header.removeprefix("Bearer ") not in self.tokens:
                return web.json_response({"error": "invalid_token", "error_description": "Token signature verification failed"},
                                         status=401)
        return await handler(request)

    async def _token(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = await request.post()
        if request.headers.get("Authorization") != expected or form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "invalid_client", "error_description": "Client Authentication failed"},
                                     status=401)
        token = f"A21AA{next(self._ids):08d}"
        self.tokens.add(token)
        return web.json_response({"scope": "https://uri.paypal.com/services/payments/payment", "access_token": token,
                                  "token_type": "Bearer", "app_id": "APP-STANDIN", "expires_in": 32400,
                                  "nonce": "standin"})

    async def _idempotent(self, request: web.Request, make: Any) -> web.Response:
        request_id = request.headers.get("PayPal-Request-Id")
        self.requests.append((f"{request.method} {request.path}", request_id))
        if request_id and request_id in self._replies:
            status, body = self._replies[request_id]
            return web.json_response(body, status=200 if status == 201 else status)
        raw = await request.read()
        answer = make(request, json.loads(raw) if raw else {})
        if isinstance(answer, web.Response):
            return answer
        status, body = answer
        if request_id:
            self._replies[request_id] = (status, body)
        return web.json_response(body, status=status)

    async def _create_order(self, request: web.Request) -> web.Response:
        def create(_: web.Request, body: dict) -> tuple[int, dict] | web.Response:
            if body.get("intent") != "CAPTURE" or not body.get("purchase_units"):
                return _error(400, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "intent and purchase_units are required")
            order_id = f"5O{next(self._ids):014d}"
            unit = {"reference_id": "default", **body["purchase_units"][0]}
            payer_action = bool((body.get("payment_source") or {}).get("paypal"))
            order = {
                "id": order_id, "intent": "CAPTURE", "status": "PAYER_ACTION_REQUIRED" if payer_action else "CREATED",
                "purchase_units": [unit], "create_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "links": [
                    {"href": f"{self.base_url}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                    {"href": f"{self.base_url}/checkoutnow?token={order_id}",
                     "rel": "payer-action" if payer_action else "approve", "method": "GET"},
                ],
            }
            if payer_action:
                order["payment_source"] = {"paypal": {}}
            self.orders[order_id] = order
            return 201, order
        return await self._idempotent(request, create)

    async def _get_order(self, request: web.Request) -> web.Response:
        self.requests.append((f"GET {request.path}", None))
        order = self.orders.get(request.match_info["id"])
        if order is None:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
        return web.json_response(order)

    async def _capture_order(self, request: web.Request) -> web.Response:
        def capture(request: web.Request, _: dict) -> tuple[int, dict] | web.Response:
            order = self.orders.get(request.match_info["id"])
            if order is None:
                return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            if order["status"] == "COMPLETED":
                return _error(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured.")
            if order["status"] != "APPROVED":
                return _error(422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order.")
            unit = order["purchase_units"][0]
            capture_id = f"3C{next(self._ids):014d}"
            record = {
                "id": capture_id, "status": "COMPLETED", "amount": unit["amount"], "final_capture": True,
                "custom_id": unit.get("custom_id"), "seller_protection": {"status": "ELIGIBLE"},
                "supplementary_data": {"related_ids": {"order_id": order["id"]}},
                "links": [{"href": f"{self.base_url}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"},
                          {"href": f"{self.base_url}/v2/checkout/orders/{order['id']}", "rel": "up", "method": "GET"}],
            }
            self.captures[capture_id] = {**record, "refunded": 0}
            unit["payments"] = {"captures": [record]}
            order["status"] = "COMPLETED"
            self._event("PAYMENT.CAPTURE.COMPLETED", record)
            return 201, order
        return await self._idempotent(request, capture)

    async def _refund_capture(self, request: web.Request) -> web.Response:
        def refund(request: web.Request, body: dict) -> tuple[int, dict] | web.Response:
            capture = self.captures.get(request.match_info["id"])
            if capture is None:
                return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            currency = capture["amount"]["currency_code"]
            total = int(Decimal(capture["amount"]["value"]) * 100)
            amount = int(Decimal(body["amount"]["value"]) * 100) if body.get("amount") else total - capture["refunded"]
            if amount <= 0 or capture["refunded"] + amount > total:
                return _error(422, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED",
                              "The refund amount must be less than or equal to the capture amount that has not yet been refunded.")
            capture["refunded"] += amount
            order_id = capture["supplementary_data"]["related_ids"]["order_id"]
            for record in self.orders[order_id]["purchase_units"][0]["payments"]["captures"]:
                record["status"] = "REFUNDED" if capture["refunded"] == total else "PARTIALLY_REFUNDED"
            made = {
                "id": f"1R{next(self._ids):014d}", "status": "COMPLETED",
                "amount": {"currency_code": currency, "value": f"{Decimal(amount) / 100:.2f}"},
                "custom_id": body.get("custom_id"),
                "seller_payable_breakdown": {"total_refunded_amount": {
                    "currency_code": currency, "value": f"{Decimal(capture['refunded']) / 100:.2f}"}},
                "supplementary_data": {"related_ids": {"order_id": order_id, "capture_id": capture["id"]}},
                "links": [{"href": f"{self.base_url}/v2/payments/captures/{capture['id']}", "rel": "up", "method": "GET"}],
            }
            self.refunds.append(made)
            self._event("PAYMENT.CAPTURE.REFUNDED", made)
            return 201, made
        return await self._idempotent(request, refund)

    async def _verify(self, request: web.Request) -> web.Response:
        body = await request.json()
        event = body.get("webhook_event")
        raw = json.dumps(event).encode()
        expected = _sign(str(body.get("transmission_id")), str(body.get("transmission_time")), WEBHOOK_ID, raw)
        ok = body.get("webhook_id") == WEBHOOK_ID and hmac.compare_digest(expected, str(body.get("transmission_sig")))
        self.verifications.append("SUCCESS" if ok else "FAILURE")
        return web.json_response({"verification_status": "SUCCESS" if ok else "FAILURE"})

    def _event(self, event_type: str, resource: dict) -> dict:
        event = {"id": f"WH-{next(self._ids):08d}", "event_version": "1.0", "resource_version": "2.0",
                 "event_type": event_type, "resource_type": event_type.split(".")[-2].lower(),
                 "summary": event_type, "create_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "resource": json.loads(json.dumps(resource))}
        self.events.append(event)
        return event


async def start_stand_in() -> tuple[PayPalStandIn, TestServer]:
    stand_in = PayPalStandIn()
    server = TestServer(stand_in.app(), host="127.0.0.1")
    await server.start_server()
    stand_in.base_url = str(server.make_url("")).rstrip("/")
    return stand_in, server
