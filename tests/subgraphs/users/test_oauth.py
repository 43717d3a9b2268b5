"""The OAuth2 server's grant helpers that need no HTTP."""

from __future__ import annotations

import pytest

from auth import scopes
from subgraphs.users.models import User
from subgraphs.users.oauth import OAuthError, TokenResponse, hash_refresh, narrow, user_scopes


def test_narrow_keeps_requested_subset():
    allowed = frozenset({"a", "b", "c"})
    assert narrow(allowed, None) == allowed
    assert narrow(allowed, "  ") == allowed
    assert narrow(allowed, "b a") == {"a", "b"}


def test_narrow_refuses_scopes_beyond():
    with pytest.raises(OAuthError) as caught:
        narrow(frozenset({"a"}), "a z")
    assert caught.value.error == "invalid_scope" and "z" in caught.value.description


def test_user_scopes_by_role():
    assert user_scopes(User(admin=True)) == frozenset(scopes.ADMIN_SCOPES)
    assert user_scopes(User(admin=False)) == frozenset(scopes.SHOPPER)


def test_refresh_hash_is_stable_and_not_the_token():
    assert hash_refresh("abc") == hash_refresh("abc") != "abc"
    assert len(hash_refresh("abc")) == 64


def test_token_response_body():
    body = TokenResponse("t", 900, "profile").body()
    assert body == {"access_token": "t", "token_type": "Bearer", "expires_in": 900, "scope": "profile"}
    assert TokenResponse("t", 900, "", "r").body()["refresh_token"] == "r"

