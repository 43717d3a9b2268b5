"""The authorization server's client endpoints forwarded to it, so clients use one origin.

Only the exact endpoints in ENDPOINTS are forwarded, each to its own fixed path on the
authorization server: the request's path is percent-decoded and normalized (dot segments, empty
segments) before it is matched, and never sent on as given, so no spelling of a path reaches
anything else there (the users service's internal /graphql answers `_entities`). Anything else
under /oauth or /.well-known is 404.

A successful /oauth/revoke of an access token also enters its jti in the router's own deny
list, so a router without Redis refuses the token from then on."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, unquote

import aiohttp
from aiohttp import web

from auth.tokens import TokenError, verify_access_token
from router.features.identity import Authenticator, client_address
from router.server.resources import RESOURCES

log = logging.getLogger("graft.oauth")

# path → methods: what subgraphs/users/oauth_routes.py serves to clients (RFC 6749 token, RFC 7009
# revocation, the JWKS, RFC 8414 metadata).
ENDPOINTS: dict[str, tuple[str, ...]] = {
    "/oauth/token": ("POST",),
    "/oauth/revoke": ("POST",),
    "/.well-known/jwks.json": ("GET", "HEAD"),
    "/.well-known/oauth-authorization-server": ("GET", "HEAD"),
}
FORWARDED_REQUEST = ("Content-Type", "Authorization", "Accept")
FORWARDED_RESPONSE = ("Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate", "Retry-After")


class OAuthProxy:
    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/")

    async def __call__(self, request: web.Request) -> web.Response:
        path = normalized_path(request.raw_path)
        if path not in ENDPOINTS:
            return _oauth_error(404, "not_found", "no such endpoint")
        if request.method not in ENDPOINTS[path]:
            return _oauth_error(405, "method_not_allowed", f"use {' or '.join(ENDPOINTS[path])}",
                                {"Allow": ", ".join(ENDPOINTS[path])})
        return await self.forward(request, path)

    async def forward(self, request: web.Request, path: str) -> web.Response:
        """To the endpoint's own path on the authorization server (never the request's spelling
        of it, nor its query string)."""
        resources = request.app[RESOURCES]
        http, authenticator = resources.http, resources.authenticator
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST if name in request.headers}
        # the client's address as the router resolved it (trusted proxies included): sign-in limits count it
        headers["X-Forwarded-For"] = client_address(request.remote, request.headers.get("X-Forwarded-For"),
                                                    authenticator.trusted_proxy_hops)
        url = f"{self.origin}{path}"
        try:
            async with http.request(request.method, url, data=body, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=10)) as resp:
                answer = await resp.read()
                kept = {name: resp.headers[name] for name in FORWARDED_RESPONSE if name in resp.headers}
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("authorization server %s unreachable: %s", self.origin, exc)
            return _oauth_error(503, "temporarily_unavailable", "the authorization server is unreachable")
        if path == "/oauth/revoke" and status == 200:
            await _deny(authenticator, body)
        return web.Response(body=answer, status=status, headers=kept)


def normalized_path(raw_path: str) -> str | None:
    """The path as the authorization server would route it: query dropped, percent-decoded,
    dot segments resolved (RFC 3986 5.2.4) and empty segments dropped; None when it still holds
    a '%' (encoded twice) or a backslash, which no endpoint has."""
    try:
        decoded = unquote(raw_path.partition("?")[0], errors="strict")
    except UnicodeDecodeError:
        return None
    if "%" in decoded or "\\" in decoded:
        return None
    segments: list[str] = []
    for segment in decoded.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(segments)


def _oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> web.Response:
    """An OAuth-style JSON error (RFC 6749 5.2 shape) that repeats nothing from the request."""
    return web.json_response({"error": error, "error_description": description}, status=status,
                             headers={"Cache-Control": "no-store", **(headers or {})})


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
    """Everything under the two prefixes comes to the proxy, which decides on the normalized path."""
    app.router.add_route("*", "/oauth{tail:.*}", proxy)
    app.router.add_route("*", "/.well-known{tail:.*}", proxy)
