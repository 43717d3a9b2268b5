"""The users subgraph over HTTP, in-process."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from auth.tokens import TokenSettings
from subgraphs.users.models import Address, User
from tests.subgraphs.users.conftest import codes, db_of, gql, token_for

ME = "{ me { id name email createdAt addresses { id city country } } }"
REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { id name email } }"
UPDATE = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id name addresses { line1 line2 city postalCode country } } }"


async def test_me_with_token(any_client):
    body = await gql(any_client, ME, token=token_for(1))
    assert body["data"]["me"] == {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com",
                                  "createdAt": "2026-01-01T00:00:00+00:00", "addresses": []}


async def test_me_without_token_is_unauthenticated(any_client):
    body = await gql(any_client, ME)
    assert body["data"] == {"me": None}
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_me_with_bad_token_is_401(client):
    resp = await client.post("/graphql", json={"query": ME}, headers={"Authorization": "Bearer not.a.token"})
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert (await resp.json())["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_token_is_401(client):
    old = token_for(1, now=time.time() - 3600, ttl=60)
    resp = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {old}"})
    assert resp.status == 401


async def test_user_hides_email_and_addresses_from_others(any_client):
    body = await gql(any_client, '{ user(id: "3") { id name email addresses { id } } }', token=token_for(1))
    assert body["data"]["user"] == {"id": "3", "name": body["data"]["user"]["name"], "email": None, "addresses": None}
    assert sorted((e["path"][-1], e["extensions"]["code"]) for e in body["errors"]) == [
        ("addresses", "FORBIDDEN"), ("email", "FORBIDDEN")]


async def test_admin_sees_email(client):
    body = await gql(client, '{ user(id: "3") { email } }', token=token_for(2, admin=True))
    assert "errors" not in body and body["data"]["user"]["email"].endswith("@example.com")


async def test_anonymous_user_lookup_and_unknown_id(client):
    body = await gql(client, '{ a: user(id: "1") { name } b: user(id: "999") { name } }')
    assert body["data"] == {"a": {"name": "Ada Lovelace"}, "b": None}


async def test_register_stores_a_hash_not_the_password(any_client):
    body = await gql(any_client, REGISTER, {"input": {"name": "Grace", "email": "Grace@Example.com", "password": "cobol-1959!"}})
    user = body["data"]["register"]
    assert user["email"] is None  # anonymous caller: not the owner
    async with db_of(any_client).session() as session:
        row = await session.get(User, int(user["id"]))
    assert row.email == "grace@example.com"
    assert row.password_hash.startswith("$argon2id$") and "cobol-1959!" not in row.password_hash


async def test_register_rejects_bad_input_and_writes_nothing(any_client):
    cases = [
        ({"name": "X", "email": "not-an-email", "password": "long-enough-1"}, "email"),
        ({"name": "X", "email": "x@example.com", "password": "short"}, "password"),
        ({"name": "  ", "email": "x@example.com", "password": "long-enough-1"}, "name"),
        ({"name": "Ada again", "email": "ADA@example.com", "password": "long-enough-1"}, "email"),
    ]
    async with db_of(any_client).session() as session:
        before = len((await session.scalars(select(User))).all())
    for data, field in cases:
        body = await gql(any_client, REGISTER, {"input": data})
        assert body["data"] is None
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, data
    async with db_of(any_client).session() as session:
        assert len((await session.scalars(select(User))).all()) == before


async def test_update_profile_replaces_name_and_addresses(any_client):
    address = {"line1": "12 St James's Sq", "city": "London", "postalCode": "SW1Y 4JH", "country": "gb"}
    body = await gql(any_client, UPDATE, {"input": {"name": "Augusta Ada King", "addresses": [address]}}, token=token_for(1))
    assert body["data"]["updateProfile"] == {"id": "1", "name": "Augusta Ada King", "addresses": [
        {"line1": "12 St James's Sq", "line2": None, "city": "London", "postalCode": "SW1Y 4JH", "country": "GB"}]}
    body = await gql(any_client, UPDATE, {"input": {"addresses": []}}, token=token_for(1))
    assert body["data"]["updateProfile"]["addresses"] == []
    assert body["data"]["updateProfile"]["name"] == "Augusta Ada King"


async def test_update_profile_bad_input_changes_nothing(client):
    bad = {"line1": "x", "city": "y", "postalCode": "z", "country": "Britain"}
    body = await gql(client, UPDATE, {"input": {"name": "New", "addresses": [bad]}}, token=token_for(1))
    assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == "addresses[0].country"
    async with db_of(client).session() as session:
        assert (await session.get(User, 1)).name == "Ada Lovelace"
    body = await gql(client, UPDATE, {"input": {"name": "New"}})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_entities_resolve_with_unknown_ids_null(client):
    query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }'
    reps = [{"__typename": "User", "id": "2"}, {"__typename": "User", "id": "12345"}, {"__typename": "User", "id": "1"}]
    body = await gql(client, query, {"r": reps})
    assert body["data"]["_entities"] == [{"id": "2", "name": "Charles Babbage"}, None, {"id": "1", "name": "Ada Lovelace"}]


async def test_statement_count_is_constant_for_100_entities(client):
    db = db_of(client)
    async with db.session() as session, session.begin():
        session.add_all(Address(user_id=u, line1=f"{u} Main St", city="Leeds", postal_code="LS1", country="GB")
                        for u in range(1, 61))
    query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email addresses { city } } } }'
    reps = [{"__typename": "User", "id": str(1 + i % 60)} for i in range(100)]
    before = db.statement_count
    body = await gql(client, query, {"r": reps}, token=token_for(2, admin=True))
    assert "errors" not in body
    assert len(body["data"]["_entities"]) == 100
    assert all(e["addresses"] == [{"city": "Leeds"}] for e in body["data"]["_entities"])
    assert db.statement_count - before <= 2  # one for users, one for addresses


async def test_service_sdl_and_bad_requests(client):
    body = await gql(client, "{ _service { sdl } }")
    assert 'type User @key(fields: "id")' in body["data"]["_service"]["sdl"]
    resp = await client.post("/graphql", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400
    body = await gql(client, "{ me { nope } }", status=400)
    assert "nope" in body["errors"][0]["message"]
    body = await gql(client, 'query($id: ID!) { user(id: $id) { id } }', {"id": {"x": 1}}, status=400)
    assert body["errors"]


def test_token_settings_default_audience():
    assert TokenSettings.from_env().audience


GET_MUTATIONS = [
    ({"query": '# note\nmutation { register(input: {name: "Eve", email: "eve@example.com", '
                'password: "long-enough-1"}) { id } }'}),
    ({"query": 'query Q { __typename } mutation M { register(input: {name: "Eve", email: "eve@example.com", '
               'password: "long-enough-1"}) { id } }', "operationName": "M"}),
]


@pytest.mark.parametrize("params", GET_MUTATIONS, ids=["comment first", "chosen by operationName"])
async def test_get_refuses_a_mutation_however_the_text_starts(client, params):
    """GraphQL over HTTP: a GET that would run a mutation is answered 405 and runs nothing;
    which operation runs is decided by the parsed document, not by how the text starts."""
    async with db_of(client).session() as session:
        before = await session.scalar(select(func.count()).select_from(User))
    resp = await client.get("/graphql", params=params)
    assert resp.status == 405, await resp.text()
    assert resp.headers["Allow"] == "POST"
    async with db_of(client).session() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == before
        assert await session.scalar(select(User).where(User.email == "eve@example.com")) is None


async def test_get_runs_a_query(client):
    resp = await client.get("/graphql", params={"query": '# note\n{ user(id: "1") { name } }'})
    assert resp.status == 200 and (await resp.json())["data"] == {"user": {"name": "Ada Lovelace"}}


@pytest.mark.parametrize("id", ["²", "x", "١٢", "99999999999999999999"])
async def test_a_malformed_user_id_is_bad_user_input(client, id):
    """Issue 12, finding 9: the same id check as every subgraph (subgraphs/common/errors.py)."""
    body = await gql(client, 'query($id: ID!) { user(id: $id) { name } }', {"id": id})
    assert codes(body) == ["BAD_USER_INPUT"] and "is not a valid id" in body["errors"][0]["message"]
    assert "invalid literal" not in body["errors"][0]["message"]


async def test_update_profile_takes_a_bounded_list_of_addresses(client):
    """Issue 12, finding 9: 10,000 addresses are refused before any is checked or stored."""
    address = {"line1": "1 Main St", "city": "Leeds", "postalCode": "LS1", "country": "GB"}
    body = await gql(client, UPDATE, {"input": {"addresses": [address] * 10_000}}, token=token_for(1))
    assert codes(body) == ["BAD_USER_INPUT"] and "At most 10 addresses" in body["errors"][0]["message"]
    async with db_of(client).session() as session:
        assert not (await session.scalars(select(Address).where(Address.user_id == 1))).all()
    body = await gql(client, UPDATE, {"input": {"addresses": [address] * 10}}, token=token_for(1))
    assert len(body["data"]["updateProfile"]["addresses"]) == 10
