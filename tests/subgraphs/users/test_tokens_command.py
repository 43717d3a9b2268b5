import subprocess
import sys

from auth.jwks import LocalKeys
from auth.keys import KeyStore, default_keys_path
from auth.tokens import TokenSettings, verify_access_token
from tests.support.processes import ROOT


def _token(data_dir, *args):
    env = {"GRAFT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "router", "token", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


async def test_token_for_the_demo_user_verifies(data_dir):
    result = _token(data_dir, "--user", "ada@example.com")
    assert result.returncode == 0, result.stderr
    claims = await verify_access_token(result.stdout.strip(), LocalKeys(KeyStore.open(default_keys_path())), TokenSettings())
    assert claims.user_id == 1 and "orders:write" in claims.scopes and "admin" not in claims.scopes


def test_unknown_user_and_excess_scope_are_refused(data_dir):
    assert "no user" in _token(data_dir, "--user", "nobody@example.com").stderr
    refused = _token(data_dir, "--user", "ada@example.com", "--scope", "admin")
    assert refused.returncode == 1 and "may not have scope(s): admin" in refused.stderr
