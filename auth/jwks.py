"""Where verifiers find public keys: the local key file, or a JWKS URL fetched and cached."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import Any

import aiohttp
from jwt import PyJWTError
from jwt.algorithms import ECAlgorithm

from auth.keys import KeyStore
from auth.tokens import VerificationUnavailable

log = logging.getLogger("graft.auth")


class LocalKeys:
    """Keys from the shared key file; re-read (at most every `floor` s) on an unknown kid,
    so a rotation by another process is seen."""

    def __init__(self, store: KeyStore, floor: float = 5.0) -> None:
        self.store = store
        self.floor = floor
        self._last_reload = 0.0

    async def __call__(self, kid: str | None) -> Any:
        key = self.store.find(kid) if kid else None
        if key is None and kid and time.monotonic() - self._last_reload > self.floor:
            self._last_reload = time.monotonic()
            self.store.reload()
            key = self.store.find(kid)
        return key.private_key.public_key() if key else None


class RemoteJwks:
    """A JWKS endpoint, cached; refetched on an unknown kid, at most every `floor` seconds.

    A fetch gets `timeout` seconds. After a failed one the last good keys still verify, and the
    endpoint is left alone for `retry_interval` seconds: meanwhile a kid not among the keys is
    VerificationUnavailable (the key may well exist), not an unknown key, and nobody waits."""

    def __init__(self, url: str, http: aiohttp.ClientSession, floor: float = 30.0, *,
                 timeout: float = 2.0, retry_interval: float = 5.0) -> None:
        self.url = url
        self.http = http
        self.floor = floor
        self.timeout = timeout
        self.retry_interval = retry_interval
        self._keys: dict[str, Any] = {}
        self._next_fetch = float("-inf")  # monotonic time before which the endpoint is not asked
        self._failing_since: float | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, kid: str | None) -> Any:
        if kid is None:
            return None
        if kid not in self._keys and time.monotonic() >= self._next_fetch:
            async with self._lock:  # one fetch at a time; those waiting then see its outcome
                if kid not in self._keys and time.monotonic() >= self._next_fetch:
                    await self._fetch()
        key = self._keys.get(kid)
        if key is None and self._failing_since is not None:
            retry_after = max(1, math.ceil(self._next_fetch - time.monotonic()))
            raise VerificationUnavailable("the signing keys cannot be fetched", retry_after)
        return key

    async def _fetch(self) -> None:
        try:
            async with self.http.get(self.url, timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                resp.raise_for_status()
                keys = parse_jwks(await resp.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError, PyJWTError) as exc:
            self._failed(exc)
            return
        if self._failing_since is not None:
            log.warning("JWKS %s answers again after %.1f s", self.url, time.monotonic() - self._failing_since)
            self._failing_since = None
        self._keys = keys
        self._next_fetch = time.monotonic() + self.floor

    def _failed(self, exc: Exception) -> None:
        """Keep what we had; logged once per incident."""
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            log.warning("JWKS %s cannot be fetched (%s: %s); known keys still verify, others get 503 for %g s",
                        self.url, type(exc).__name__, str(exc) or "timed out", self.retry_interval)
        self._next_fetch = time.monotonic() + self.retry_interval


def parse_jwks(body: Any) -> dict[str, Any]:
    """kid → public key of each EC key in a JWKS document (ValueError when it is not one)."""
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise ValueError("not a JWKS document")
    return {jwk["kid"]: ECAlgorithm.from_jwk(json.dumps(jwk))
            for jwk in body["keys"] if isinstance(jwk, dict) and jwk.get("kty") == "EC" and "kid" in jwk}
