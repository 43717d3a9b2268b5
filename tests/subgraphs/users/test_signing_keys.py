"""One signing key set, held by the users service: it reads an existing key file without writing
anything beside it (a read-only mount), and the other subgraphs verify through its JWKS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from auth.keys import KeyStore
from tests.support import tokens
from tests.support.processes import RunningService, start_graft


def snapshot(directory: Path) -> dict[str, int]:
    """Every entry of the directory with its mtime (ns), and the directory's own."""
    return {".": directory.stat().st_mtime_ns, **{p.name: p.stat().st_mtime_ns for p in directory.iterdir()}}


def status_of(service: RunningService, token: str) -> int:
    request = urllib.request.Request(service.graphql_url, json.dumps({"query": "{ categories { id } }"}).encode(),
                                     {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as error:
        return error.code


def test_users_reads_the_key_file_without_writing_beside_it_and_the_catalog_verifies_through_its_jwks(tmp_path):
    made = KeyStore.open(tmp_path / "made" / "signing-keys.json")
    keys_dir = tmp_path / "mounted"  # as a Secret is mounted: the one file, nothing beside it
    keys_dir.mkdir()
    (keys_dir / "signing-keys.json").write_bytes(made.path.read_bytes())
    store = KeyStore.open(keys_dir / "signing-keys.json")
    before = snapshot(keys_dir)
    assert list(before) == [".", "signing-keys.json"]
    users = start_graft("users", ["subgraph", "users"], {"GRAFT_DATA_DIR": str(tmp_path / "users"),
                                                         "GRAFT_KEYS_FILE": str(store.path)}, tmp_path)
    catalog = None
    try:
        with urllib.request.urlopen(f"{users.url}/.well-known/jwks.json", timeout=10) as resp:
            assert [key["kid"] for key in json.loads(resp.read())["keys"]] == [store.current.kid]
        # the catalog is pointed at a key file that does not exist: it never reads, nor creates, one
        absent = tmp_path / "absent" / "signing-keys.json"
        catalog = start_graft("catalog", ["subgraph", "catalog"], {
            "GRAFT_DATA_DIR": str(tmp_path / "catalog"), "GRAFT_KEYS_FILE": str(absent),
            "USERS_URL": users.graphql_url}, tmp_path)
        assert status_of(catalog, tokens.good(store)) == 200
        assert status_of(catalog, tokens.good(KeyStore.open(tmp_path / "stranger.json"))) == 401
        assert not absent.parent.exists()
    finally:
        for service in (catalog, users):
            if service is not None:
                service.stop()
    assert snapshot(keys_dir) == before
