"""RemoteJwks against a hung, a broken and a healthy endpoint: a fetch is bounded by its timeout,
a failure is backed off with the last good keys still served, and "cannot fetch the keys" is
never reported as "unknown key"."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from auth.jwks import RemoteJwks
from auth.keys import KeyStore
from auth.tokens import VerificationUnavailable


@dataclass
class Issuer:
    store: KeyStore
    url: str
    mode: str = "ok"  # ok | broken | hang
    fetches: list[str] = field(default_factory=list)


@pytest.fixture
async def issuer(tmp_path: Path) -> AsyncIterator[Issuer]:
    server: TestServer | None = None
    found = Issuer(KeyStore.open(tmp_path / "keys.json"), "")

    async def jwks(request: web.Request) -> web.Response:
        found.fetches.append(found.mode)
        if found.mode == "hang":
            await asyncio.sleep(3600)
        if found.mode == "broken":
            return web.Response(status=502, text="bad gateway")
        return web.json_response(found.store.jwks())

    app = web.Application()
    app.router.add_get("/jwks.json", jwks)
    server = TestServer(app)
    await server.start_server()
    found.url = str(server.make_url("/jwks.json"))
    yield found
    await server.close()



@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_a_hung_endpoint_costs_one_timeout_then_nothing_until_the_retry(silent, http):
    jwks = RemoteJwks(f"http://{silent.origin}/jwks.json", http, timeout=0.3, retry_interval=0.6)
    started = time.perf_counter()
    callers = await asyncio.gather(*(jwks("kid") for _ in range(5)), return_exceptions=True)
    assert time.perf_counter() - started < 1.0  # waited on one fetch together, not one after another
    assert all(isinstance(c, VerificationUnavailable) and c.retry_after == 1 for c in callers)
    assert len(silent.accepted) == 1
    started = time.perf_counter()
    with pytest.raises(VerificationUnavailable):
        await jwks("kid")
    assert time.perf_counter() - started < 0.05 and len(silent.accepted) == 1
    await asyncio.sleep(0.65)
    with pytest.raises(VerificationUnavailable):
        await jwks("kid")  # retried once the interval is over
    assert len(silent.accepted) == 2


async def test_the_last_good_keys_verify_while_refetches_fail(issuer, http, caplog):
    caplog.set_level(logging.WARNING, "graft.auth")
    jwks = RemoteJwks(issuer.url, http, floor=0, timeout=0.3, retry_interval=60)
    old_kid = issuer.store.current.kid
    assert await jwks(old_kid) is not None
    issuer.mode = "broken"
    issuer.store.rotate()
    with pytest.raises(VerificationUnavailable, match="signing keys"):
        await jwks(issuer.store.current.kid)
    assert await jwks(old_kid) is not None
    with pytest.raises(VerificationUnavailable):
        await jwks(issuer.store.current.kid)
    assert issuer.fetches == ["ok", "broken"]
    assert len([r for r in caplog.records if "cannot be fetched" in r.getMessage()]) == 1


async def test_recovery_fetches_the_new_keys_and_is_logged(issuer, http, caplog):
    caplog.set_level(logging.WARNING, "graft.auth")
    jwks = RemoteJwks(issuer.url, http, floor=0, timeout=0.3, retry_interval=0.1)
    issuer.mode = "hang"
    with pytest.raises(VerificationUnavailable):
        await jwks(issuer.store.current.kid)
    issuer.mode = "ok"
    await asyncio.sleep(0.15)
    assert await jwks(issuer.store.current.kid) is not None
    assert [r for r in caplog.records if "answers again" in r.getMessage()]


async def test_an_unknown_kid_from_a_healthy_endpoint_is_just_unknown(issuer, http):
    jwks = RemoteJwks(issuer.url, http, floor=3600)
    assert await jwks(issuer.store.current.kid) is not None
    assert await jwks("no-such-kid") is None  # a 401 "unknown key", as before
    assert issuer.fetches == ["ok"]


async def test_a_body_that_is_not_a_jwks_is_a_failed_fetch(issuer, http, monkeypatch):
    monkeypatch.setattr(issuer.store, "jwks", lambda: {"keys": "nope"})
    jwks = RemoteJwks(issuer.url, http, timeout=0.3)
    with pytest.raises(VerificationUnavailable):
        await jwks("kid")
