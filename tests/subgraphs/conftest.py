"""Subgraph apps in process verify tokens as deployed ones do: through the users service's JWKS."""

from pathlib import Path

import pytest

from tests.support.processes import RunningService


@pytest.fixture(autouse=True)
def verify_through_users(authorization_server: RunningService, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """USERS_URL names the session's users process (its JWKS and token endpoint); tests sign
    tokens with its key file. The users service's own tests override this: it holds its keys."""
    monkeypatch.setenv("GRAFT_KEYS_FILE", authorization_server.env["GRAFT_KEYS_FILE"])
    monkeypatch.setenv("USERS_URL", authorization_server.graphql_url)
