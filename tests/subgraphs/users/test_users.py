from sqlalchemy import select

from subgraphs.common import seeddata
from subgraphs.users import models
from subgraphs.users.service import sdl
from tests.support.apps import ADMIN, bearer

ME = "{ me { id name email createdAt addresses { line1 city postalCode country } } }"
REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { id name } }"
UPDATE = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id name addresses { line1 country } } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }"


async def test_me_needs_a_signed_in_user(users):
    body = await users.execute(ME, headers=bearer(1))
    me = body["data"]["me"]
    assert me["name"] == "Ada Lovelace" and me["email"] == seeddata.DEMO_EMAIL
    assert me["createdAt"] == "2026-01-01T00:00:00+00:00" and me["addresses"][0]["country"] == "GB"
    body = await users.execute(ME)
    assert body["data"]["me"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bad_token_is_401(users):
    resp = await users.client.post("/graphql", json={"query": ME}, headers={"Authorization": "Bearer nope"})
    assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_email_and_addresses_are_private(users):
    body = await users.execute('{ user(id: "1") { name email addresses { city } } }', headers=bearer(3))
    assert body["data"]["user"] == {"name": "Ada Lovelace", "email": None, "addresses": None}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    body = await users.execute('{ user(id: "1") { email } }', headers=bearer(2, ADMIN))
    assert body["data"]["user"]["email"] == seeddata.DEMO_EMAIL and "errors" not in body


async def test_entities_with_unknown_ids_and_statement_count(users):
    reps = [{"__typename": "User", "id": str(i)} for i in range(1, 61)] + [{"__typename": "User", "id": "777"}] * 50
    before = users.db.statement_count
    body = await users.execute(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name addresses { city } } } }",
        {"r": reps}, bearer(2, ADMIN))
    entities = body["data"]["_entities"]
    assert len(entities) == 110 and all(entities[:60]) and entities[60:] == [None] * 50
    assert users.db.statement_count - before <= 2


async def test_register_hashes_the_password_and_refuses_bad_input(users):
    new = {"name": "Grace Hopper", "email": "Grace@Example.com", "password": "cobol-1959-ok"}
    body = await users.execute(REGISTER, {"input": new})
    assert body["data"]["register"]["name"] == "Grace Hopper"
    async with users.db.session() as session:
        row = await session.scalar(select(models.User).where(models.User.email == "grace@example.com"))
    assert row.password_hash.startswith("$argon2id$") and "cobol" not in row.password_hash
    count = await _user_count(users)
    for value, message in [
        ({**new, "email": "grace@example.com"}, "already exists"),
        ({**new, "email": "not-an-email"}, "not a valid email"),
        ({**new, "email": "x@y.z", "password": "short"}, "at least 10"),
        ({**new, "email": "x@y.z", "name": "  "}, "Name must be"),
    ]:
        body = await users.execute(REGISTER, {"input": value})
        assert body["data"] is None and message in body["errors"][0]["message"], body
    assert await _user_count(users) == count


async def _user_count(users) -> int:
    async with users.db.session() as session:
        return len((await session.scalars(select(models.User.id))).all())


async def test_update_profile_replaces_addresses(users):
    address = {"line1": "1 Loop Rd", "city": "Cambridge", "postalCode": "CB1", "country": "gb"}
    body = await users.execute(UPDATE, {"input": {"name": "Ada King", "addresses": [address]}}, bearer(1))
    assert body["data"]["updateProfile"] == {"id": "1", "name": "Ada King", "addresses": [{"line1": "1 Loop Rd", "country": "GB"}]}
    bad = await users.execute(UPDATE, {"input": {"name": "Ada", "addresses": [{**address, "country": "GBR"}]}}, bearer(1))
    assert "two-letter" in bad["errors"][0]["message"]
    assert (await users.execute(ME, headers=bearer(1)))["data"]["me"]["name"] == "Ada King"
    anonymous = await users.execute(UPDATE, {"input": {"name": "x"}})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_http_errors(users):
    resp = await users.client.post("/graphql", data=b"{oops", headers={"content-type": "application/json"})
    assert resp.status == 400 and "not valid JSON" in (await resp.json())["errors"][0]["message"]
    resp = await users.client.get("/graphql", params={"query": 'mutation { updateProfile(input: {name: "x"}) { id } }'})
    assert resp.status == 400
    resp = await users.client.get("/graphql", params={"query": '{ user(id: "2") { name } }'})
    assert (await resp.json())["data"]["user"]["name"] == "Charles Babbage"
    body = await users.execute('{ user(id: "2") { nope } }', status=400)
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_service_sdl_is_the_schema_file(users):
    served = (await users.execute("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in served
    assert served.strip() == sdl().strip()
