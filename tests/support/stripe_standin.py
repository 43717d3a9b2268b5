"""A local HTTP server standing in for the Stripe API (a third-party service we cannot
reach from here), driven through the real stripe SDK. It honours Idempotency-Key the way
Stripe documents it and can drop a response after doing the work, to test retries."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

DECLINED = {"pm_card_chargeDeclined": ("card_declined", "Your card was declined.")}


@dataclass
class StripeStandIn:
    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    drop_responses: int = 0
    _replies: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/payment_intents", self._payment_intent)
        app.router.add_post("/v1/refunds", self._refund)
        return app

    async def _idempotent(self, request: web.Request, create) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        self.requests.append((request.path, key))
        if key and key in self._replies:
            status, body = self._replies[key]
        else:
            status, body = create(dict(await request.post()))
            if key:
                self._replies[key] = (status, body)
        if self.drop_responses:
            self.drop_responses -= 1
            request.transport.close()  # the work is done, the answer is lost
            raise web.HTTPInternalServerError()
        return web.json_response(body, status=status, headers={"Idempotency-Key": key or ""})

    async def _payment_intent(self, request: web.Request) -> web.StreamResponse:
        return await self._idempotent(request, self._create_intent)

    async def _refund(self, request: web.Request) -> web.StreamResponse:
        return await self._idempotent(request, self._create_refund)

    def _create_intent(self, form: dict[str, str]) -> tuple[int, dict]:
        if "amount" not in form or "currency" not in form:
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: amount.")
        method = form.get("payment_method", "")
        if method in DECLINED:
            code, message = DECLINED[method]
            return 402, _error("card_error", code, message)
        intent = {"id": f"pi_{next(self._ids):06d}", "object": "payment_intent", "amount": int(form["amount"]),
                  "currency": form["currency"], "status": "succeeded", "payment_method": method}
        self.charges.append(intent)
        return 200, intent

    def _create_refund(self, form: dict[str, str]) -> tuple[int, dict]:
        intent = next((c for c in self.charges if c["id"] == form.get("payment_intent")), None)
        if intent is None:
            return 404, _error("invalid_request_error", "resource_missing", "No such payment_intent.")
        refund = {"id": f"re_{next(self._ids):06d}", "object": "refund", "amount": int(form["amount"]),
                  "payment_intent": intent["id"], "status": "succeeded"}
        self.refunds.append(refund)
        return 200, refund


def _error(kind: str, code: str, message: str) -> dict:
    return {"error": {"type": kind, "code": code, "message": message}}


async def start_stand_in() -> tuple[StripeStandIn, TestServer]:
    stand_in = StripeStandIn()
    server = TestServer(stand_in.app(), host="127.0.0.1")
    await server.start_server()
    return stand_in, server
