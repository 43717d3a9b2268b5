"""Where verifiers find public keys: the local key file, or a JWKS URL fetched and cached."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
from jwt.algorithms import ECAlgorithm

from auth.keys import KeyStore


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
    """A JWKS endpoint, cached; refetched on an unknown kid, at most every `floor` seconds."""

    def __init__(self, url: str, http: aiohttp.ClientSession, floor: float = 30.0) -> None:
        self.url = url
        self.http = http
        self.floor = floor
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def __call__(self, kid: str | None) -> Any:
        if kid is None:
            return None
        if kid not in self._keys and time.monotonic() - self._fetched_at > self.floor:
            async with self._lock:
                if kid not in self._keys and time.monotonic() - self._fetched_at > self.floor:
                    await self._fetch()
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with self.http.get(self.url) as resp:
                resp.raise_for_status()
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return  # keep what we had; the next unknown kid after the floor tries again
        self._keys = {
            jwk["kid"]: ECAlgorithm.from_jwk(json.dumps(jwk))
            for jwk in body.get("keys", []) if jwk.get("kty") == "EC" and "kid" in jwk
        }
