"""The OAuth2 authorization server's endpoints, in-process."""

from __future__ import annotations

import base64
from pathlib import Path

import jwt
import pytest
import redis.asyncio as aioredis
from sqlalchemy import select

from auth import scopes
from auth.jwks import LocalKeys
from auth.keys import KeyStore, default_keys_path
from auth.tokens import TokenSettings, verify_access_token
from subgraphs.users.models import OAuthClient, RefreshToken, RevokedAccessToken
from subgraphs.users.oauth import hash_refresh
from tests.subgraphs.users.conftest import _client, db_of, settings_for

ADA = {"grant_type": "password", "client_id": "storefront", "username": "ada@example.com", "password": "lovelace-1815"}
PARTNER = {"grant_type": "client_credentials", "client_id": "acme-partner", "client_secret": "acme-partner-secret"}


async def post(client, data: dict, path: str = "/oauth/token", headers: dict | None = None):
    resp = await client.post(path, data=data, headers=headers or {})
    assert resp.headers["Cache-Control"] == "no-store"
    return resp, (await resp.json() if resp.content_length else None)


async def claims_of(token: str):
    return await verify_access_token(token, LocalKeys(KeyStore.open(default_keys_path())), TokenSettings.from_env())


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def test_password_grant(any_client):
    resp, body = await post(any_client, ADA)
    assert resp.status == 200 and body["token_type"] == "Bearer" and body["refresh_token"]
    claims = await claims_of(body["access_token"])
    assert claims.user_id == 1 and claims.client_id == "storefront"
    assert claims.scopes == frozenset(scopes.SHOPPER) == frozenset(body["scope"].split())


async def test_password_grant_admin_scopes_and_narrowing(client):
    admin = {**ADA, "username": "admin@example.com", "password": "babbage-1822"}
    _, body = await post(client, admin)
    assert (await claims_of(body["access_token"])).scopes == frozenset(scopes.ADMIN_SCOPES)
    _, body = await post(client, {**admin, "scope": "admin catalog:write"})
    assert body["scope"] == "admin catalog:write"
    resp, body = await post(client, {**ADA, "scope": "profile admin"})
    assert resp.status == 400 and body["error"] == "invalid_scope"


async def test_password_grant_wrong_password(client):
    resp, body = await post(client, {**ADA, "password": "wrong-password"})
    assert resp.status == 400 and body["error"] == "invalid_grant"
    resp, body = await post(client, {**ADA, "username": "nobody@example.com"})
    assert resp.status == 400 and body["error"] == "invalid_grant"


async def test_refresh_rotation_and_family_revocation_on_reuse(any_client):
    _, first = await post(any_client, ADA)
    refresh = {"grant_type": "refresh_token", "client_id": "storefront"}
    resp, second = await post(any_client, {**refresh, "refresh_token": first["refresh_token"]})
    assert resp.status == 200 and second["refresh_token"] != first["refresh_token"]
    assert (await claims_of(second["access_token"])).user_id == 1
    # Replaying the rotated token revokes the whole family, including the newest token.
    resp, body = await post(any_client, {**refresh, "refresh_token": first["refresh_token"]})
    assert resp.status == 400 and body["error"] == "invalid_grant"
    resp, body = await post(any_client, {**refresh, "refresh_token": second["refresh_token"]})
    assert resp.status == 400 and body["error"] == "invalid_grant"
    async with db_of(any_client).session() as session:
        rows = (await session.scalars(select(RefreshToken))).all()
    assert len(rows) == 2 and all(r.revoked for r in rows)
    assert {r.token_hash for r in rows} == {hash_refresh(first["refresh_token"]), hash_refresh(second["refresh_token"])}


async def test_refresh_by_another_client_or_unknown(client):
    _, first = await post(client, ADA)
    resp, body = await post(client, {"grant_type": "refresh_token", "client_id": "mobile", "refresh_token": first["refresh_token"]})
    assert resp.status == 400 and body["error"] == "invalid_grant"
    resp, body = await post(client, {"grant_type": "refresh_token", "client_id": "storefront", "refresh_token": "nope"})
    assert body["error"] == "invalid_grant"
    resp, body = await post(client, {"grant_type": "refresh_token", "client_id": "storefront"})
    assert body["error"] == "invalid_request"


async def test_client_credentials_basic_and_form(any_client):
    resp, body = await post(any_client, {"grant_type": "client_credentials"}, headers=basic("acme-partner", "acme-partner-secret"))
    assert resp.status == 200 and "refresh_token" not in body
    claims = await claims_of(body["access_token"])
    assert claims.kind == "client" and claims.client_id == "acme-partner"
    assert claims.scopes == {"catalog:read"} and claims.raw["tier"] == "partner-standard"
    resp, body = await post(any_client, PARTNER)
    assert resp.status == 200


async def test_client_secret_is_hashed(client):
    async with db_of(client).session() as session:
        partner = await session.get(OAuthClient, "acme-partner")
    assert partner.secret_hash.startswith("$argon2id$") and "acme-partner-secret" not in partner.secret_hash


async def test_invalid_client_basic_gets_401_with_challenge(client):
    resp, body = await post(client, {"grant_type": "client_credentials"}, headers=basic("acme-partner", "wrong"))
    assert resp.status == 401 and body["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    resp, body = await post(client, {**PARTNER, "client_secret": "wrong"})
    assert resp.status == 401 and body["error"] == "invalid_client" and "WWW-Authenticate" not in resp.headers
    resp, body = await post(client, {**ADA, "client_id": "unknown-app"})
    assert resp.status == 401 and body["error"] == "invalid_client"


@pytest.mark.parametrize("data, error", [
    ({**ADA, "client_id": "acme-partner", "client_secret": "acme-partner-secret"}, "unauthorized_client"),
    ({**PARTNER, "client_id": "storefront", "client_secret": ""}, "unauthorized_client"),
    ({"grant_type": "authorization_code", "client_id": "storefront"}, "unsupported_grant_type"),
    ({"client_id": "storefront"}, "invalid_request"),
    ({"grant_type": "password", "client_id": "storefront", "username": "ada@example.com"}, "invalid_request"),
    ({"grant_type": "password", "username": "ada@example.com", "password": "x"}, "invalid_request"),
    ({**PARTNER, "scope": "catalog:write"}, "invalid_scope"),
])
async def test_error_codes(client, data, error):
    resp, body = await post(client, data)
    assert (resp.status, body["error"]) == (400, error) and body["error_description"]


async def test_token_endpoint_needs_a_form(client):
    resp = await client.post("/oauth/token", json=ADA)
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_request"


async def test_revoke_refresh_token_ends_family(client):
    _, first = await post(client, ADA)
    resp, _ = await post(client, {"token": first["refresh_token"], "client_id": "storefront"}, "/oauth/revoke")
    assert resp.status == 200
    resp, body = await post(client, {"grant_type": "refresh_token", "client_id": "storefront", "refresh_token": first["refresh_token"]})
    assert body["error"] == "invalid_grant"


async def test_revoke_access_token_and_unknown(client):
    _, first = await post(client, ADA)
    resp, _ = await post(client, {"token": first["access_token"], "client_id": "storefront"}, "/oauth/revoke")
    assert resp.status == 200
    jti = (await claims_of(first["access_token"])).jti
    async with db_of(client).session() as session:
        assert await session.get(RevokedAccessToken, jti) is not None
    resp, _ = await post(client, {"token": "garbage", "client_id": "storefront"}, "/oauth/revoke")
    assert resp.status == 200
    resp, body = await post(client, {"client_id": "storefront"}, "/oauth/revoke")
    assert resp.status == 400 and body["error"] == "invalid_request"


@pytest.mark.redis
async def test_revoke_mirrors_jti_to_redis(redis_url, tmp_path: Path):
    async for client in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'u.db'}", redis_url)):
        _, token = await post(client, PARTNER)
        resp, _ = await post(client, {"token": token["access_token"]}, "/oauth/revoke",
                             headers=basic("acme-partner", "acme-partner-secret"))
        assert resp.status == 200
        jti = (await claims_of(token["access_token"])).jti
        redis = aioredis.from_url(redis_url)
        try:
            assert await redis.get(f"graft:revoked:{jti}") == b"1"
            assert 0 < await redis.ttl(f"graft:revoked:{jti}") <= TokenSettings.from_env().access_ttl
        finally:
            await redis.delete(f"graft:revoked:{jti}")
            await redis.aclose()


async def test_jwks_verifies_an_issued_token(client):
    _, body = await post(client, ADA)
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(body["access_token"])["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert "d" not in jwk  # public only
    key = jwt.PyJWK(jwk).key
    payload = jwt.decode(body["access_token"], key, algorithms=["ES256"], audience=TokenSettings.from_env().audience)
    assert payload["sub"] == "1"


async def test_rotated_key_keeps_verifying(client):
    _, before = await post(client, ADA)
    KeyStore.open(default_keys_path()).rotate()
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    assert len(jwks["keys"]) == 2
    assert (await claims_of(before["access_token"])).user_id == 1


async def test_metadata_document(client, monkeypatch):
    monkeypatch.setenv("GRAFT_PUBLIC_URL", "https://shop.example/")
    body = await (await client.get("/.well-known/oauth-authorization-server")).json()
    assert body["issuer"] == TokenSettings.from_env().issuer
    assert body["token_endpoint"] == "https://shop.example/oauth/token"
    assert body["revocation_endpoint"] == "https://shop.example/oauth/revoke"
    assert body["jwks_uri"] == "https://shop.example/.well-known/jwks.json"
    assert set(body["grant_types_supported"]) == {"password", "refresh_token", "client_credentials"}


async def test_revoke_ignores_another_clients_refresh_token(client):
    _, first = await post(client, ADA)
    resp, _ = await post(client, {"token": first["refresh_token"], "client_id": "mobile"}, "/oauth/revoke")
    assert resp.status == 200
    resp, body = await post(client, {"grant_type": "refresh_token", "client_id": "storefront", "refresh_token": first["refresh_token"]})
    assert resp.status == 200 and body["refresh_token"]
    resp, body = await post(client, {"token": first["refresh_token"], "client_id": "storefront", "client_secret": "x"}, "/oauth/revoke")
    assert resp.status == 401 and body["error"] == "invalid_client"


async def test_concurrent_refresh_rotates_once(any_client):
    import asyncio

    _, first = await post(any_client, ADA)
    data = {"grant_type": "refresh_token", "client_id": "storefront", "refresh_token": first["refresh_token"]}
    results = await asyncio.gather(*(post(any_client, data) for _ in range(2)))
    assert sorted(resp.status for resp, _ in results) == [200, 400]


async def test_service_clients_get_their_service_only_scope_and_shoppers_never_do(client, monkeypatch):
    """Issue 12, finding 8: orders-service and payments-service are registered at start; no
    password grant can ask for their scopes."""
    resp, body = await post(client, {"grant_type": "client_credentials"},
                            headers=basic("orders-service", "orders-service-dev-secret"))
    assert resp.status == 200 and body["scope"].split() == sorted([scopes.EVENTS_DELIVER, scopes.INVENTORY_RESERVE]), body
    claims = await claims_of(body["access_token"])
    assert claims.kind == "client" and claims.subject == "orders-service"
    resp, body = await post(client, {"grant_type": "client_credentials"},
                            headers=basic("payments-service", "orders-service-dev-secret"))
    assert resp.status == 401
    for email, password in (("ada@example.com", "lovelace-1815"), ("admin@example.com", "babbage-1822")):
        for scope in scopes.SERVICE:
            resp, body = await post(client, {**ADA, "username": email, "password": password, "scope": scope})
            assert resp.status == 400 and body["error"] == "invalid_scope", body
        resp, body = await post(client, {**ADA, "username": email, "password": password})
        assert not set(body["scope"].split()) & set(scopes.SERVICE)


async def test_a_changed_service_secret_is_taken_at_the_next_start(tmp_path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'users.db'}"
    async for first in _client(settings_for(url)):
        resp, _ = await post(first, {"grant_type": "client_credentials"},
                             headers=basic("payments-service", "payments-service-dev-secret"))
        assert resp.status == 200
    monkeypatch.setenv("PAYMENTS_SERVICE_SECRET", "rotated-secret")
    async for second in _client(settings_for(url)):
        resp, _ = await post(second, {"grant_type": "client_credentials"},
                             headers=basic("payments-service", "payments-service-dev-secret"))
        assert resp.status == 401
        resp, body = await post(second, {"grant_type": "client_credentials"},
                                headers=basic("payments-service", "rotated-secret"))
        assert resp.status == 200 and set(body["scope"].split()) == {scopes.ORDERS_PAY, scopes.EVENTS_DELIVER}
