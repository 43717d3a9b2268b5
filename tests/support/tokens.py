"""Tokens an attacker would try, made from a real key file: each must be refused with a 401,
by the router and by every subgraph called directly."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterable

import jwt
from cryptography.hazmat.primitives import serialization

from auth import scopes
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token

ATTACKS = ("alg none", "HS256 with the public key", "expired", "not yet valid", "wrong issuer", "wrong audience",
           "bad signature", "unknown key", "malformed", "not bearer")


def good(store: KeyStore, subject: str = "1", granted: Iterable[str] = scopes.SHOPPER, **kw) -> str:
    return issue_access_token(store, TokenSettings(), subject=subject, kind="user", scopes=granted,
                              client_id="storefront", **kw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_with_public_key(store: KeyStore, payload: dict) -> str:
    public_pem = store.current.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": store.current.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{_b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())}"


def attacks(store: KeyStore, other: KeyStore) -> dict[str, tuple[str, str]]:
    """name (each of ATTACKS) → (Authorization header value, words the refusal gives)."""
    payload = jwt.decode(good(store), options={"verify_signature": False})
    kid = {"kid": store.current.kid}
    settings = TokenSettings()
    return {
        "alg none": ("Bearer " + jwt.encode(payload, None, algorithm="none", headers=kid), "not accepted"),
        "HS256 with the public key": ("Bearer " + _hs256_with_public_key(store, payload), "not accepted"),
        "expired": ("Bearer " + good(store, now=time.time() - 3600), "expired"),
        "not yet valid": ("Bearer " + good(store, now=time.time() + 3600), "not yet valid"),
        "wrong issuer": ("Bearer " + issue_access_token(store, TokenSettings(issuer="evil"), subject="1",
                                                        kind="user", scopes=["admin"]), "issuer"),
        "wrong audience": ("Bearer " + issue_access_token(store, TokenSettings(audience="other-api"), subject="1",
                                                          kind="user", scopes=["admin"]), "audience"),
        "bad signature": ("Bearer " + jwt.encode(payload, other.current.private_key, algorithm="ES256", headers=kid),
                          "signature"),
        "unknown key": ("Bearer " + issue_access_token(other, settings, subject="1", kind="user", scopes=["admin"]),
                        "unknown key"),
        "malformed": ("Bearer not-a-jwt", "malformed"),
        "not bearer": ("Basic YWRhOmxvdmVsYWNl", "Bearer"),
    }
