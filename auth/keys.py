"""ES256 signing keys with a `kid`, persisted to a file, rotated without breaking live tokens."""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ALGORITHM = "ES256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey
    created_at: float
    retired_at: float | None = None

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(uuid.uuid4().hex[:16], ec.generate_private_key(ec.SECP256R1()), time.time())

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(ECAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def to_json(self) -> dict[str, Any]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return {"kid": self.kid, "pem": pem.decode(), "created_at": self.created_at, "retired_at": self.retired_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SigningKey":
        key = serialization.load_pem_private_key(data["pem"].encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"key {data.get('kid')} is not an EC key")
        return cls(data["kid"], key, data["created_at"], data.get("retired_at"))


class KeyStore:
    """The newest key signs; retired keys keep verifying for `grace` seconds (longer than any
    token lives), then drop out. Only the users service (the authorization server) and its
    commands open the file. A file that exists is only read: it may be a read-only mount (a
    Kubernetes Secret), and every write replaces it whole, so a reader needs no lock. Creating
    and rotating write under a lock beside it, so processes doing so at once agree on one set."""

    def __init__(self, path: Path, keys: list[SigningKey], grace: float = 24 * 3600) -> None:
        self.path = path
        self.keys = keys
        self.grace = grace

    @classmethod
    def open(cls, path: Path, grace: float = 24 * 3600) -> "KeyStore":
        keys = _read(path)
        if not keys:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(path):
                keys = _read(path)
                if not keys:
                    keys = [SigningKey.generate()]
                    _write(path, keys)
        return cls(path, keys, grace)

    def reload(self) -> None:
        """What the file holds now (another process may have rotated it); read only."""
        self.keys = _read(self.path) or self.keys

    @property
    def current(self) -> SigningKey:
        return next(k for k in reversed(self.keys) if k.retired_at is None)

    def verifying_keys(self, now: float | None = None) -> list[SigningKey]:
        now = time.time() if now is None else now
        return [k for k in self.keys if k.retired_at is None or now - k.retired_at < self.grace]

    def find(self, kid: str) -> SigningKey | None:
        return next((k for k in self.verifying_keys() if k.kid == kid), None)

    def rotate(self) -> SigningKey:
        """A new signing key; the old one retires but still verifies within the grace period."""
        with _locked(self.path):
            now = time.time()
            keys = [k if k.retired_at else SigningKey(k.kid, k.private_key, k.created_at, now) for k in _read(self.path)]
            fresh = SigningKey.generate()
            self.keys = [k for k in keys if now - (k.retired_at or now) < self.grace] + [fresh]
            _write(self.path, self.keys)
        return fresh

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.verifying_keys()]}


class _locked:
    def __init__(self, path: Path) -> None:
        self.lock_path = path.with_suffix(path.suffix + ".lock")

    def __enter__(self) -> None:
        self.fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _read(path: Path) -> list[SigningKey]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    return [SigningKey.from_json(item) for item in json.loads(path.read_text())["keys"]]


def _write(path: Path, keys: list[SigningKey]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"keys": [k.to_json() for k in keys]}, indent=2))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def default_keys_path() -> Path:
    """GRAFT_KEYS_FILE, else keys/signing-keys.json under GRAFT_DATA_DIR (./.data)."""
    if path := os.environ.get("GRAFT_KEYS_FILE"):
        return Path(path)
    return Path(os.environ.get("GRAFT_DATA_DIR", ".data")).resolve() / "keys" / "signing-keys.json"
