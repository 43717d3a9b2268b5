"""The OAuth2 authorization server's HTTP face: /oauth/token, /oauth/revoke and /.well-known/*."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from urllib.parse import unquote

from aiohttp import web

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings
from subgraphs.common.app import DATABASE, REDIS, VERIFIER
from subgraphs.users import oauth
from subgraphs.users.oauth import Issuer, OAuthError, TokenRequest
from subgraphs.users.seed import register_service_clients
from subgraphs.users.signin_limits import Attempt, MemoryCounters, RedisCounters, SignInGuard, SignInLimits

log = logging.getLogger("graft.oauth")

ISSUER = web.AppKey("oauth_issuer", Issuer)
SIGNIN_GUARD = web.AppKey("signin_guard", SignInGuard)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"


def public_url() -> str:
    """The router's origin, where clients reach these endpoints."""
    return os.environ.get("GRAFT_PUBLIC_URL", "http://127.0.0.1:4000").rstrip("/")


def setup(app: web.Application, keys: KeyStore) -> None:
    """The routes, and at start the issuer signing with `keys` (the service's one key set)."""
    app.router.add_post("/oauth/token", token_endpoint)
    app.router.add_post("/oauth/revoke", revoke_endpoint)
    app.router.add_get("/.well-known/jwks.json", jwks_endpoint)
    app.router.add_get("/.well-known/oauth-authorization-server", metadata_endpoint)

    limits = SignInLimits.from_env()  # read before serving: a bad setting stops the start

    async def lifecycle(app: web.Application):
        app[ISSUER] = Issuer(keys, TokenSettings.from_env())
        await register_service_clients(app[DATABASE])
        redis = app[REDIS]  # the common lifecycle, which ran before this one, made it
        counters = RedisCounters(redis, limits.key_prefix, MemoryCounters()) if redis is not None else MemoryCounters()
        app[SIGNIN_GUARD] = SignInGuard(limits, counters)
        oauth.dummy_hash()
        yield

    app.cleanup_ctx.append(lifecycle)


def _error(exc: OAuthError) -> web.Response:
    headers = dict(NO_STORE)
    if exc.status == 401 and exc.basic:
        headers["WWW-Authenticate"] = 'Basic realm="graft", charset="UTF-8"'
    return web.json_response(exc.body(), status=exc.status, headers=headers)


def _basic(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: HTTP Basic with form-urlencoded id and secret."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "malformed HTTP Basic credentials", 401, True) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "malformed HTTP Basic credentials", 401, True)
    return unquote(client_id), unquote(secret)


async def _form(request: web.Request) -> TokenRequest:
    if request.content_type != FORM:
        raise OAuthError("invalid_request", f"the body must be {FORM}")
    form = await request.post()
    values = {k: form.getall(k) for k in set(form.keys())}
    if repeated := sorted(k for k, v in values.items() if len(v) > 1):
        raise OAuthError("invalid_request", f"parameters repeated: {', '.join(repeated)}")
    field = {k: str(v[0]) for k, v in values.items()}
    basic = _basic(request.headers.get("Authorization"))
    if basic and "client_secret" in field:
        raise OAuthError("invalid_request", "use one client authentication method, not two")
    client_id, secret = basic or (field.get("client_id"), field.get("client_secret"))
    return TokenRequest(
        grant_type=field.get("grant_type", ""), client_id=client_id, client_secret=secret, basic=basic is not None,
        username=field.get("username"), password=field.get("password"),
        refresh_token=field.get("refresh_token"), scope=field.get("scope"),
    )


def _too_many(wait: int) -> web.Response:
    """429 with Retry-After and an RFC 6749 §5.2 body; `slow_down` is the registered OAuth
    error for a client that must wait (RFC 8628 §3.5)."""
    body = {"error": "slow_down", "error_description": f"too many attempts; try again in {wait} seconds"}
    return web.json_response(body, status=429, headers={**NO_STORE, "Retry-After": str(wait)})


def _account(req: TokenRequest) -> str | None:
    """Whose secret a request tries: the user's for the password grant, else a client's."""
    if req.grant_type == "password" and req.username:
        return f"user:{req.username.strip().lower()}"
    return f"client:{req.client_id}" if req.client_id and req.client_secret else None


async def token_endpoint(request: web.Request) -> web.Response:
    guard = request.app[SIGNIN_GUARD]
    attempt: Attempt | None = None
    try:
        req = await _form(request)
        if not req.grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        attempt = guard.attempt_of(request, _account(req))
        if wait := await guard.admit(attempt):
            return _too_many(wait)
        async with request.app[DATABASE].session() as session:
            response = await oauth.token(session, request.app[ISSUER], req)
            await session.commit()
    except OAuthError as exc:
        return _error(exc)
    await guard.succeeded(attempt)
    return web.json_response(response.body(), headers=NO_STORE)


async def revoke_endpoint(request: web.Request) -> web.Response:
    try:
        req = await _form(request)
        token = (await request.post()).get("token")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        async with request.app[DATABASE].session() as session:
            client = await oauth.authenticate_client(session, req)
            revoked = await oauth.revoke(session, request.app[ISSUER], client, str(token))
            await session.commit()
    except OAuthError as exc:
        return _error(exc)
    revocations = request.app[VERIFIER].revocations  # Redis, shared with the router and every subgraph
    if revoked is not None and revocations is not None:
        await revocations.revoke(revoked.jti, revoked.expires_at)
    return web.Response(status=200, headers=NO_STORE)


async def jwks_endpoint(request: web.Request) -> web.Response:
    store = request.app[ISSUER].keys
    store.reload()  # `graft keys rotate` may have run in another process
    return web.json_response(store.jwks(), headers={"Cache-Control": "public, max-age=60"})


async def metadata_endpoint(request: web.Request) -> web.Response:
    base = public_url()
    return web.json_response({
        "issuer": request.app[ISSUER].settings.issuer,
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "grant_types_supported": list(oauth.GRANT_TYPES),
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": sorted(set(scopes.ADMIN_SCOPES)),
    })
