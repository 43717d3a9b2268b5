import time

from auth.jwks import LocalKeys
from auth.keys import KeyStore
from auth.tokens import TokenSettings, issue_access_token, verify_access_token


def test_keys_persist_across_restarts(tmp_path):
    first = KeyStore.open(tmp_path / "k" / "keys.json")
    again = KeyStore.open(tmp_path / "k" / "keys.json")
    assert first.current.kid == again.current.kid
    assert oct((tmp_path / "k" / "keys.json").stat().st_mode)[-3:] == "600"


async def test_rotation_keeps_old_tokens_verifying_until_grace_ends(tmp_path):
    store = KeyStore.open(tmp_path / "keys.json", grace=3600)
    settings = TokenSettings()
    old_token = issue_access_token(store, settings, subject="1", kind="user", scopes=[])
    old_kid = store.current.kid
    fresh = store.rotate()
    assert store.current.kid == fresh.kid != old_kid
    assert {k["kid"] for k in store.jwks()["keys"]} == {old_kid, fresh.kid}
    # another process (a subgraph) holding the old key set sees the rotation on an unknown kid
    verifier_view = KeyStore.open(tmp_path / "keys.json", grace=3600)
    new_token = issue_access_token(store, settings, subject="2", kind="user", scopes=[])
    assert (await verify_access_token(old_token, LocalKeys(verifier_view), settings)).subject == "1"
    assert (await verify_access_token(new_token, LocalKeys(verifier_view), settings)).subject == "2"
    assert [k.kid for k in store.verifying_keys(now=time.time() + 7200)] == [fresh.kid]


def test_jwks_is_public_only(tmp_path):
    jwk = KeyStore.open(tmp_path / "keys.json").jwks()["keys"][0]
    assert jwk["kty"] == "EC" and jwk["alg"] == "ES256" and "d" not in jwk
