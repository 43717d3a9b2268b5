import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from auth.jwks import LocalKeys
from auth.keys import KeyStore
from auth.tokens import TokenError, TokenSettings, issue_access_token, verify_access_token

SETTINGS = TokenSettings()


@pytest.fixture
def store(tmp_path):
    return KeyStore.open(tmp_path / "keys.json")


def _issue(store, **kw):
    args = {"subject": "1", "kind": "user", "scopes": ["profile", "orders:read"], "client_id": "storefront"}
    return issue_access_token(store, SETTINGS, **{**args, **kw})


async def test_round_trip_carries_the_claims(store):
    claims = await verify_access_token(_issue(store), LocalKeys(store), SETTINGS)
    assert claims.user_id == 1 and claims.client_id == "storefront"
    assert claims.scopes == {"profile", "orders:read"}
    assert claims.expires_at - claims.issued_at == SETTINGS.access_ttl and claims.jti


async def test_partner_token_has_no_user(store):
    claims = await verify_access_token(_issue(store, subject="acme", kind="client"), LocalKeys(store), SETTINGS)
    assert claims.user_id is None and claims.subject == "acme"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"now": time.time() - 3600}, "expired"),
        ({"now": time.time() + 3600}, "not yet valid"),
    ],
)
async def test_time_window(store, change, reason):
    with pytest.raises(TokenError, match=reason):
        await verify_access_token(_issue(store, **change), LocalKeys(store), SETTINGS)


async def test_small_clock_skew_is_tolerated(store):
    token = _issue(store, now=time.time() + 10)
    assert (await verify_access_token(token, LocalKeys(store), SETTINGS)).subject == "1"


async def test_wrong_issuer_and_audience(store):
    token = _issue(store)
    with pytest.raises(TokenError, match="issuer"):
        await verify_access_token(token, LocalKeys(store), TokenSettings(issuer="elsewhere"))
    with pytest.raises(TokenError, match="audience"):
        await verify_access_token(token, LocalKeys(store), TokenSettings(audience="other"))


async def test_alg_none_is_refused(store):
    payload = jwt.decode(_issue(store), options={"verify_signature": False})
    unsigned = jwt.encode(payload, key=None, algorithm="none", headers={"kid": store.current.kid})
    with pytest.raises(TokenError, match="not accepted"):
        await verify_access_token(unsigned, LocalKeys(store), SETTINGS)


async def test_hs256_signed_with_the_public_key_is_refused(store):
    public_pem = store.current.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": store.current.kid}
    payload = jwt.decode(_issue(store), options={"verify_signature": False})
    forged = _hs256(header, payload, public_pem)
    with pytest.raises(TokenError, match="not accepted"):
        await verify_access_token(forged, LocalKeys(store), SETTINGS)


def _hs256(header, payload, secret):
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


async def test_unknown_key_bad_signature_and_malformed(tmp_path, store):
    other = KeyStore.open(tmp_path / "other.json")
    with pytest.raises(TokenError, match="unknown key"):
        await verify_access_token(_issue(other), LocalKeys(store), SETTINGS)
    payload = jwt.decode(_issue(store), options={"verify_signature": False})
    wrong_key = jwt.encode(payload, other.current.private_key, algorithm="ES256", headers={"kid": store.current.kid})
    with pytest.raises(TokenError, match="signature"):
        await verify_access_token(wrong_key, LocalKeys(store), SETTINGS)
    with pytest.raises(TokenError, match="malformed"):
        await verify_access_token("not-a-jwt", LocalKeys(store), SETTINGS)


async def test_tampered_payload_fails_the_signature(store):
    header, payload, signature = _issue(store).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="signature"):
        await verify_access_token(f"{header}.{forged}.{signature}", LocalKeys(store), SETTINGS)


async def test_extra_claims_cannot_override_registered_ones(store):
    token = issue_access_token(store, SETTINGS, subject="p", kind="client", scopes=["catalog:read"],
                               extra_claims={"tier": "gold", "sub": "someone-else", "scope": "admin"})
    claims = await verify_access_token(token, LocalKeys(store), SETTINGS)
    assert claims.raw["tier"] == "gold" and claims.subject == "p" and claims.scopes == {"catalog:read"}
