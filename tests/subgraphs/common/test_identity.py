import pytest

from auth.jwks import LocalKeys
from auth.keys import KeyStore
from auth.tokens import TokenError, TokenSettings, issue_access_token
from subgraphs.common.identity import IdentityVerifier


@pytest.fixture
def store(tmp_path):
    return KeyStore.open(tmp_path / "keys.json")


async def test_no_header_is_anonymous(store):
    identity = await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(None)
    assert identity.anonymous and identity.user_id is None and not identity.is_admin


async def test_bearer_token_gives_claims_and_forwards(store):
    token = issue_access_token(store, TokenSettings(), subject="7", kind="user", scopes=["profile", "admin"])
    identity = await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(f"Bearer {token}")
    assert identity.user_id == 7 and identity.is_admin and identity.has_scope("payments:admin")
    assert identity.forward_headers() == {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer not.a.token"])
async def test_bad_headers_are_refused(store, header):
    with pytest.raises(TokenError):
        await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(header)
