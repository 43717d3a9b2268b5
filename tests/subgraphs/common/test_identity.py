import pytest
from graphql import GraphQLError

from auth import scopes
from auth.jwks import LocalKeys
from auth.keys import KeyStore
from auth.tokens import Claims, TokenError, TokenSettings, issue_access_token
from subgraphs.common.identity import ANONYMOUS, Identity, IdentityVerifier, require_owner, require_scope
from tests.support import tokens


@pytest.fixture
def store(tmp_path):
    return KeyStore.open(tmp_path / "keys.json")


async def test_no_header_is_anonymous(store):
    identity = await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(None)
    assert identity.anonymous and identity.user_id is None and not identity.is_admin


async def test_bearer_token_gives_claims(store):
    token = issue_access_token(store, TokenSettings(), subject="7", kind="user", scopes=["profile", "admin"])
    identity = await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(f"Bearer {token}")
    assert identity.user_id == 7 and identity.is_admin and identity.has_scope("payments:admin")
    assert identity.token == token


def test_admin_does_not_imply_the_service_only_scopes():
    """Issue 12, finding 8: only a service's own client holds inventory:reserve or orders:pay."""
    admin = Identity(Claims("2", "user", frozenset(scopes.ADMIN_SCOPES), "storefront", "j", 0, 0))
    assert admin.has_scope(scopes.CATALOG_WRITE)
    for scope in scopes.SERVICE:
        assert not admin.has_scope(scope)
        with pytest.raises(GraphQLError) as caught:
            require_scope(admin, scope)
        assert caught.value.extensions == {"code": "FORBIDDEN"}
    service = Identity(Claims("orders-service", "client", frozenset([scopes.INVENTORY_RESERVE]), "orders-service", "j", 0, 0))
    require_scope(service, scopes.INVENTORY_RESERVE)


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer not.a.token"])
async def test_bad_headers_are_refused(store, header):
    with pytest.raises(TokenError):
        await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(header)


@pytest.mark.parametrize("attack", tokens.ATTACKS)
async def test_a_subgraph_called_directly_refuses_every_bad_token(tmp_path, attack):
    from auth.keys import default_keys_path
    from tests.support.apps import subgraph_client

    header, words = tokens.attacks(KeyStore.open(default_keys_path()), KeyStore.open(tmp_path / "other.json"))[attack]
    async with subgraph_client("catalog") as catalog:
        body = await catalog.execute("{ categories { id } }", headers={"Authorization": header}, status=401)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and words in body["errors"][0]["message"]


@pytest.mark.parametrize("name", ["catalog", "orders", "users", "payments"])
async def test_each_subgraph_refuses_a_token_revoked_in_redis(monkeypatch, name):
    import uuid

    import redis.asyncio as aioredis

    from auth.keys import default_keys_path
    from tests.support.apps import subgraph_client
    from tests.support.services import REDIS_URL, listening, unavailable

    if not listening("127.0.0.1", 6379):
        unavailable("Redis")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    store = KeyStore.open(default_keys_path())
    token = tokens.good(store, subject=str(uuid.uuid4().int % 1000 + 1))
    claims = await IdentityVerifier(LocalKeys(store), TokenSettings()).identify(f"Bearer {token}")
    redis = aioredis.from_url(REDIS_URL)
    key = f"graft:revoked:{claims.claims.jti}"  # what the users service writes on /oauth/revoke
    try:
        async with subgraph_client(name) as subgraph:
            await subgraph.execute("{ __typename }", headers={"Authorization": f"Bearer {token}"}, status=200)
            await redis.set(key, "1", ex=60)
            body = await subgraph.execute("{ __typename }", headers={"Authorization": f"Bearer {token}"}, status=401)
        assert "revoked" in body["errors"][0]["message"]
    finally:
        await redis.delete(key)
        await redis.aclose()


def _caller(user_id: int, *granted: str) -> Identity:
    claims = Claims(subject=str(user_id), kind="user", scopes=frozenset(granted), client_id="storefront",
                    jti="j", issued_at=0, expires_at=0)
    return Identity(claims, "token")


def _code(check) -> str | None:
    try:
        check()
    except GraphQLError as error:
        return (error.extensions or {}).get("code")
    return None


def test_owner_or_override_scope_or_admin_may_see():
    assert _code(lambda: require_owner(ANONYMOUS, 1, "orders")) == "UNAUTHENTICATED"
    assert _code(lambda: require_owner(_caller(1), 1, "orders")) is None
    assert _code(lambda: require_owner(_caller(2), 1, "orders")) == "FORBIDDEN"
    assert _code(lambda: require_owner(_caller(2, scopes.ADMIN), 1, "orders")) is None
    assert _code(lambda: require_owner(_caller(2, scopes.PAYMENTS_ADMIN), 1, "payments", scopes.PAYMENTS_ADMIN)) is None
    assert _code(lambda: require_owner(_caller(2, scopes.PAYMENTS_ADMIN), 1, "orders")) == "FORBIDDEN"


def test_scope_or_admin_is_required():
    assert _code(lambda: require_scope(ANONYMOUS, scopes.CATALOG_WRITE)) == "UNAUTHENTICATED"
    assert _code(lambda: require_scope(_caller(1, *scopes.SHOPPER), scopes.CATALOG_WRITE)) == "FORBIDDEN"
    assert _code(lambda: require_scope(_caller(1, scopes.CATALOG_WRITE), scopes.CATALOG_WRITE)) is None
    assert _code(lambda: require_scope(_caller(1, scopes.ADMIN), scopes.CATALOG_WRITE)) is None


async def test_a_subgraph_whose_jwks_cannot_be_fetched_answers_503_not_401(monkeypatch, tmp_path):
    """The keys are the users service's: while its JWKS cannot be reached a good token is not
    refused as invalid; the caller is told to retry."""
    from tests.support.apps import subgraph_client
    from tests.support.processes import free_port

    monkeypatch.setenv("USERS_URL", f"http://127.0.0.1:{free_port()}/graphql")  # nothing listens there
    async with subgraph_client("catalog") as catalog:
        resp = await catalog.client.post("/graphql", json={"query": "{ categories { id } }"},
                                         headers={"Authorization": f"Bearer {tokens.good(KeyStore.open(tmp_path / 'k.json'))}"})
        body = await resp.json()
        anonymous = await catalog.execute("{ categories { id } }")
    assert resp.status == 503 and int(resp.headers["Retry-After"]) >= 1
    assert body["errors"][0]["extensions"]["code"] == "AUTH_UNAVAILABLE"
    assert anonymous["data"]["categories"]  # no token, nothing to verify
