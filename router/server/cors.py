"""CORS from settings: allowed origins, credentials, request headers, preflight caching."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from router.config import CorsSettings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ALLOWED_METHODS = "GET, POST, OPTIONS"


def allowed_origin(settings: CorsSettings, origin: str) -> str | None:
    """The Access-Control-Allow-Origin value for `origin`, or None when it is not allowed.
    With credentials a wildcard echoes the origin: browsers refuse `*` with credentials."""
    if origin in settings.allow_origins:
        return origin
    if "*" in settings.allow_origins:
        return origin if settings.allow_credentials else "*"
    return None


def _cors_headers(settings: CorsSettings, origin: str) -> dict[str, str]:
    value = allowed_origin(settings, origin)
    if value is None:
        return {}
    headers = {"Access-Control-Allow-Origin": value}
    if value != "*":
        headers["Vary"] = "Origin"
    if settings.allow_credentials:
        headers["Access-Control-Allow-Credentials"] = "true"
    if settings.expose_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(settings.expose_headers)
    return headers


def _preflight(settings: CorsSettings, request: web.Request, origin: str) -> web.Response:
    headers = _cors_headers(settings, origin)
    if not headers:
        return web.Response(status=403, text=f"CORS: origin {origin} is not allowed\n")
    wanted = [h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()]
    allowed = {h.lower() for h in settings.allow_headers}
    refused = [h for h in wanted if h not in allowed and "*" not in allowed]
    if refused:
        return web.Response(status=403, text=f"CORS: header(s) not allowed: {', '.join(refused)}\n")
    headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    if wanted:
        headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
    headers["Access-Control-Max-Age"] = str(settings.max_age)
    headers["Vary"] = "Origin, Access-Control-Request-Headers"
    return web.Response(status=204, headers=headers)


def cors_middleware(settings: CorsSettings) -> Middleware:
    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _preflight(settings, request, origin)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        response.headers.update(_cors_headers(settings, origin))
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return cors
