"""A subgraph service's settings from the environment, resolved once at start (ServiceSettings;
the router's own per-subgraph settings are router.config.SubgraphSettings)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SUBGRAPH_PORTS: dict[str, int] = {"catalog": 4001, "orders": 4002, "users": 4003, "payments": 4004}


def data_dir() -> Path:
    """Where embedded state (SQLite files, keys) lives: GRAFT_DATA_DIR or ./.data."""
    return Path(os.environ.get("GRAFT_DATA_DIR", ".data")).resolve()


def database_url(name: str) -> str:
    """`<NAME>_DATABASE_URL`, else `DATABASE_URL`, else a SQLite file under the data dir."""
    url = os.environ.get(f"{name.upper()}_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{data_dir() / f'{name}.db'}"


def peer_url(name: str) -> str:
    """The GraphQL endpoint of another subgraph: `<NAME>_URL` or its fixed local port."""
    return os.environ.get(f"{name.upper()}_URL", f"http://127.0.0.1:{SUBGRAPH_PORTS[name]}/graphql")


def token_url() -> str:
    """The users service's OAuth2 token endpoint, where a service gets its own token:
    `GRAFT_TOKEN_URL`, else beside the users subgraph's /graphql (USERS_URL or its port)."""
    if url := os.environ.get("GRAFT_TOKEN_URL"):
        return url
    base = peer_url("users")
    return base.removesuffix("/graphql") + "/oauth/token"


def jwks_url() -> str:
    """Where subgraphs other than users find the public keys that verify tokens: `GRAFT_JWKS_URL`,
    else the users service's JWKS beside its /graphql (USERS_URL or its port). Users, which holds
    the signing keys, is the only service that reads the key file (GRAFT_KEYS_FILE)."""
    if url := os.environ.get("GRAFT_JWKS_URL"):
        return url
    return peer_url("users").removesuffix("/graphql") + "/.well-known/jwks.json"


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    port: int
    host: str = "127.0.0.1"
    database_url: str = ""
    database_schema: str = ""
    redis_url: str | None = None
    seed: bool = True
    jobs: bool = True  # background jobs (sweepers, the event relay); GRAFT_JOBS=0 turns them off
    sweep_seconds: float = 30.0  # how often the sweepers look for expired orders and reservations
    peer_timeout: float = 10.0  # seconds a call to another service (or the token endpoint) may take
    drain_seconds: float = 15.0  # on SIGTERM, seconds requests in flight get to finish
    # at start: migrate (upgrade to head, then seed) or check (production: only verify the revision)
    db_setup: str = "migrate"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, name: str, port: int | None = None) -> "ServiceSettings":
        return cls(
            name=name,
            port=port or int(os.environ.get(f"{name.upper()}_PORT", SUBGRAPH_PORTS[name])),
            host=os.environ.get("GRAFT_HOST", "127.0.0.1"),
            database_url=database_url(name),
            # One PostgreSQL database may hold every subgraph: each gets its own schema.
            database_schema=os.environ.get("GRAFT_DB_SCHEMA_PREFIX", "") + name,
            redis_url=os.environ.get("REDIS_URL") or None,
            seed=os.environ.get("GRAFT_SEED", "1") != "0",
            jobs=os.environ.get("GRAFT_JOBS", "1") != "0",
            sweep_seconds=float(os.environ.get("GRAFT_SWEEP_SECONDS", "30")),
            peer_timeout=float(os.environ.get("GRAFT_PEER_TIMEOUT_SECONDS", "10")),
            drain_seconds=float(os.environ.get("GRAFT_DRAIN_SECONDS", "15")),
            db_setup=db_setup(),
        )


def db_setup() -> str:
    """GRAFT_DB_SETUP: `migrate` (the default) or `check`; anything else stops the start."""
    mode = os.environ.get("GRAFT_DB_SETUP", "migrate").strip().lower() or "migrate"
    if mode not in ("migrate", "check"):
        raise ValueError("GRAFT_DB_SETUP must be migrate or check")
    return mode
