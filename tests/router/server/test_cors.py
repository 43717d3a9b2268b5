"""CORS from settings."""

from __future__ import annotations

from router.config import load_settings

SHOP = "https://shop.example"


def cors(**values):
    return load_settings(cors=values)


async def test_no_cors_headers_when_origin_not_allowed(make_client):
    client = await make_client(cors(allow_origins=[SHOP]))
    resp = await client.post("/graphql", json={"query": "{ version }"}, headers={"Origin": "https://evil.example"})
    assert resp.status == 200
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_allowed_origin_is_echoed(make_client):
    client = await make_client(cors(allow_origins=[SHOP], expose_headers=["x-trace"]))
    resp = await client.post("/graphql", json={"query": "{ version }"}, headers={"Origin": SHOP})
    assert resp.headers["Access-Control-Allow-Origin"] == SHOP
    assert resp.headers["Vary"] == "Origin"
    assert resp.headers["Access-Control-Expose-Headers"] == "x-trace"
    assert "Access-Control-Allow-Credentials" not in resp.headers


async def test_preflight(make_client):
    client = await make_client(cors(allow_origins=[SHOP], allow_credentials=True, max_age=60))
    headers = {"Origin": SHOP, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "Content-Type, Authorization"}
    resp = await client.options("/graphql", headers=headers)
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == SHOP
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert resp.headers["Access-Control-Allow-Headers"] == "content-type, authorization"
    assert resp.headers["Access-Control-Max-Age"] == "60"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]


async def test_preflight_refuses_unknown_origin_and_header(make_client):
    client = await make_client(cors(allow_origins=[SHOP], allow_headers=["content-type"]))
    base = {"Access-Control-Request-Method": "POST"}
    resp = await client.options("/graphql", headers={**base, "Origin": "https://evil.example"})
    assert resp.status == 403
    resp = await client.options("/graphql", headers={**base, "Origin": SHOP, "Access-Control-Request-Headers": "x-secret"})
    assert resp.status == 403
    assert "x-secret" in await resp.text()


async def test_wildcard(make_client):
    client = await make_client(cors(allow_origins=["*"]))
    resp = await client.get("/health", headers={"Origin": SHOP})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    with_credentials = await make_client(cors(allow_origins=["*"], allow_credentials=True))
    resp = await with_credentials.get("/health", headers={"Origin": SHOP})
    assert resp.headers["Access-Control-Allow-Origin"] == SHOP


async def test_cors_headers_on_error_responses(make_client):
    client = await make_client(cors(allow_origins=[SHOP]))
    resp = await client.post("/graphql", data=b"nonsense", headers={"Origin": SHOP, "Content-Type": "application/json"})
    assert resp.status == 400
    assert resp.headers["Access-Control-Allow-Origin"] == SHOP
