"""The payer's pages of the offline provider, served by the payments service itself:
GET /offline/authenticate/{intent} shows a 3-D Secure-like page with Complete and Fail buttons, POST
answers it (and the offline provider sends its webhook), and GET /payments/returned is where a
payer lands after a provider's page (the return URL, unless GRAFT_PAYMENTS_RETURN_URL names the shop's)."""

from __future__ import annotations

import html

from aiohttp import web

from subgraphs.payments.webhooks import PROVIDERS

HEADERS = {"Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return web.Response(text=text, status=status, content_type="text/html", headers=HEADERS)


async def authenticate_page(request: web.Request) -> web.Response:
    offline = request.app[PROVIDERS].offline
    intent = await offline.intent(request.match_info["intent"])
    if intent is None:
        return _page("Unknown payment", "<p>There is no such payment to authenticate.</p>", 404)
    if intent.status != "requires_action":
        return _page("Nothing to authenticate", "<p>This payment does not await authentication.</p>", 409)
    amount = f"{intent.amount / 100:.2f} {html.escape(intent.currency)}"
    action = html.escape(request.path)
    return _page("Authenticate your payment", (
        f"<p>Graft test bank: confirm the payment of {amount}.</p>"
        f'<form method="post" action="{action}"><button name="outcome" value="complete">Complete</button> '
        f'<button name="outcome" value="fail">Fail</button></form>'
    ))


async def authenticate(request: web.Request) -> web.Response:
    offline = request.app[PROVIDERS].offline
    form = await request.post()
    outcome = form.get("outcome")
    if outcome not in ("complete", "fail"):
        return _page("Choose an answer", "<p>Answer with Complete or Fail.</p>", 400)
    if await offline.intent(request.match_info["intent"]) is None:
        return _page("Unknown payment", "<p>There is no such payment to authenticate.</p>", 404)
    if not await offline.authenticate(request.match_info["intent"], outcome == "complete"):
        return _page("Nothing to authenticate", "<p>This payment does not await authentication.</p>", 409)
    if outcome == "complete":
        return _page("Payment authenticated", "<p>You can close this page and return to the shop.</p>")
    return _page("Authentication failed", "<p>The payment was not made. You can close this page.</p>")


async def returned(_: web.Request) -> web.Response:
    return _page("Payment step finished", "<p>You can close this page and return to the shop.</p>")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/offline/authenticate/{intent}", authenticate_page)
    app.router.add_post("/offline/authenticate/{intent}", authenticate)
    app.router.add_get("/payments/returned", returned)
