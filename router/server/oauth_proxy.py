"""/oauth/* and /.well-known/* forwarded to the authorization server, so clients use one origin.

A successful /oauth/revoke of an access token also enters its jti in the router's own deny
list, so a router without Redis refuses the token from then on."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web

from auth.tokens import TokenError, verify_access_token
from router.features.identity import Authenticator
from router.server.resources import RESOURCES

log = logging.getLogger("graft.oauth")

FORWARDED_REQUEST = ("Content-Type", "Authorization", "Accept")
FORWARDED_RESPONSE = ("Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate")


class OAuthProxy:
    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/")

    async def __call__(self, request: web.Request) -> web.Response:
        resources = request.app[RESOURCES]
        http, authenticator = resources.http, resources.authenticator
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST if name in request.headers}
        headers["X-Forwarded-For"] = request.remote or ""
        url = f"{self.origin}{request.rel_url}"
        try:
            async with http.request(request.method, url, data=body, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=10)) as resp:
                answer = await resp.read()
                kept = {name: resp.headers[name] for name in FORWARDED_RESPONSE if name in resp.headers}
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("authorization server %s unreachable: %s", self.origin, exc)
            return web.json_response({"error": "temporarily_unavailable",
                                      "error_description": "the authorization server is unreachable"},
                                     status=503, headers={"Cache-Control": "no-store"})
        if request.path == "/oauth/revoke" and status == 200:
            await _deny(authenticator, body)
        return web.Response(body=answer, status=status, headers=kept)



async def _deny(authenticator: Authenticator, form: bytes) -> None:
    """Enter the revoked access token's jti in our deny list (refresh tokens are opaque)."""
    token = (parse_qs(form.decode(errors="replace")).get("token") or [""])[0]
    verifier = authenticator.verifier
    try:
        claims = await verify_access_token(token, verifier.resolve_key, verifier.settings)
    except TokenError:
        return
    await authenticator.revocations.revoke(claims.jti, claims.expires_at)


def add_routes(app: web.Application, proxy: OAuthProxy) -> None:
    app.router.add_route("*", "/oauth/{tail:.*}", proxy)
    app.router.add_route("*", "/.well-known/{tail:.*}", proxy)
