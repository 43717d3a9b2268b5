"""The users service as a real process: GraphQL federation fields and the token endpoint over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from auth.jwks import LocalKeys
from auth.keys import KeyStore
from auth.tokens import TokenSettings, verify_access_token
from tests.support.processes import ROOT, start_graft


def post(url: str, data: bytes, content_type: str) -> dict:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


async def test_real_process(tmp_path: Path):
    service = start_graft("users", ["subgraph", "users"], {"GRAFT_DATA_DIR": str(tmp_path)}, tmp_path)
    try:
        query = 'query($r: [_Any!]!) { _service { sdl } _entities(representations: $r) { ... on User { id name } } }'
        variables = {"r": [{"__typename": "User", "id": "1"}, {"__typename": "User", "id": "0"}]}
        body = post(service.graphql_url, json.dumps({"query": query, "variables": variables}).encode(), "application/json")
        assert 'type User @key(fields: "id")' in body["data"]["_service"]["sdl"]
        assert body["data"]["_entities"] == [{"id": "1", "name": "Ada Lovelace"}, None]
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "acme-partner",
                                       "client_secret": "acme-partner-secret"}).encode()
        token = post(f"{service.url}/oauth/token", form, "application/x-www-form-urlencoded")
        keys = LocalKeys(KeyStore.open(tmp_path / "keys" / "signing-keys.json"))
        claims = await verify_access_token(token["access_token"], keys, TokenSettings.from_env())
        assert claims.client_id == "acme-partner" and claims.raw["tier"] == "partner-standard"
    finally:
        service.stop()


async def test_graft_token_prints_a_token_that_verifies(data_dir: Path):
    def graft(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "router", "--log-level", "WARNING", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    done = graft("token", "--user", "ada@example.com", "--scope", "profile")
    assert done.returncode == 0, done.stderr
    keys = LocalKeys(KeyStore.open(data_dir / "keys" / "signing-keys.json"))
    claims = await verify_access_token(done.stdout.strip(), keys, TokenSettings.from_env())
    assert claims.user_id == 1 and claims.scopes == {"profile"}
    done = graft("token", "--client", "acme-partner")
    claims = await verify_access_token(done.stdout.strip(), keys, TokenSettings.from_env())
    assert claims.kind == "client" and claims.raw["tier"] == "partner-standard"
    refused = graft("token", "--user", "ada@example.com", "--scope", "admin")
    assert refused.returncode == 1 and "admin" in refused.stderr and not refused.stdout
    assert graft("token", "--user", "nobody@example.com").returncode == 1


def test_graft_keys_rotate(data_dir: Path):
    path = data_dir / "keys" / "signing-keys.json"
    old = KeyStore.open(path).current.kid
    done = subprocess.run([sys.executable, "-m", "router", "keys", "rotate"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    store = KeyStore.open(path)
    assert store.current.kid != old and store.find(old) is not None
