"""Issue 12, finding 3: /oauth/token limits guessing per address and per account, with a
growing lockout, the same for unknown and known accounts, in Redis or in process."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request

from subgraphs.users.signin_limits import MemoryCounters, Policy, client_address
from tests.subgraphs.users.conftest import _client, settings_for

ADA = {"grant_type": "password", "client_id": "storefront", "username": "ada@example.com", "password": "lovelace-1815"}


async def token(client, form: dict, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    resp = await client.post("/oauth/token", data=form, headers=headers)
    return resp.status, dict(resp.headers), await resp.json()


def wrong(email: str = "ada@example.com") -> dict:
    return {**ADA, "username": email, "password": "not-the-password"}


async def test_an_account_is_locked_after_five_failures_and_unknown_accounts_alike(tmp_path: Path):
    async for client in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")):
        for email in ("ada@example.com", "nobody@example.com"):
            answers = [await token(client, wrong(email)) for _ in range(6)]
            assert [status for status, _, _ in answers] == [400] * 5 + [429]
            assert {body["error"] for _, _, body in answers[:5]} == {"invalid_grant"}
            status, headers, body = answers[5]
            assert headers["Retry-After"] == "30" and headers["Cache-Control"] == "no-store"
            assert body == {"error": "slow_down", "error_description": "too many attempts; try again in 30 seconds"}
        status, headers, _ = await token(client, ADA)  # the right password waits too
        assert status == 429 and int(headers["Retry-After"]) <= 30
        assert (await token(client, {**ADA, "username": "admin@example.com", "password": "babbage-1822"}))[0] == 200


async def test_a_success_clears_the_accounts_failures(tmp_path: Path):
    async for client in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")):
        for _ in range(4):
            assert (await token(client, wrong()))[0] == 400
        assert (await token(client, ADA))[0] == 200
        assert [(await token(client, wrong()))[0] for _ in range(6)] == [400] * 5 + [429]


async def test_an_address_is_limited_across_accounts_and_x_forwarded_for_only_from_a_trusted_proxy(
        tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GRAFT_SIGNIN_ADDRESS_FAILURES", "3")
    async for client in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")):
        statuses = [(await token(client, wrong(f"u{n}@example.com"), "203.0.113.7"))[0] for n in range(4)]
        assert statuses == [400, 400, 400, 429]
        assert (await token(client, wrong("u9@example.com"), "198.51.100.2"))[0] == 400  # another client
    monkeypatch.setenv("GRAFT_TRUSTED_PROXIES", "10.0.0.0/8")  # the test client (loopback) is no proxy
    async for client in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")):
        statuses = [(await token(client, wrong(f"u{n}@example.com"), f"198.51.100.{n}"))[0] for n in range(4)]
        assert statuses == [400, 400, 400, 429]


async def test_a_wrong_client_secret_counts_too(tmp_path: Path):
    async for client in _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")):
        partner = {"grant_type": "client_credentials", "client_id": "acme-partner", "client_secret": "guess"}
        assert [(await token(client, partner))[0] for _ in range(6)] == [401] * 5 + [429]


@pytest.mark.redis
async def test_users_processes_share_the_counters_in_redis(tmp_path: Path, redis_url, redis_prefix, monkeypatch):
    monkeypatch.setenv("GRAFT_REDIS_KEY_PREFIX", redis_prefix)
    first = _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", redis_url))
    second = _client(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", redis_url))
    a, b = await anext(first), await anext(second)
    try:
        statuses = [(await token(client, wrong()))[0] for client in (a, b, a, b, a, b)]
        assert statuses == [400] * 5 + [429]
    finally:
        for gen in (first, second):
            await anext(gen, None)


async def test_lockouts_grow_and_are_capped():
    clock = [0.0]
    counters = MemoryCounters(lambda: clock[0])
    policy = Policy(failures=2, window=60, lockout=10, lockout_max=25)
    assert [await counters.attempt("k", policy) for _ in range(3)] == [0, 0, 10]
    clock[0] = 4
    assert await counters.attempt("k", policy) == 6
    for expected in (20, 25):
        clock[0] += 30
        assert [await counters.attempt("k", policy) for _ in range(3)] == [0, 0, expected]
    await counters.succeeded("k", forget=True)
    assert await counters.attempt("k", policy) == 0


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
    ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the nearest hop that is no proxy
    ("127.0.0.1", "203.0.113.7, 127.0.0.1", "203.0.113.7"),
    ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # an untrusted peer's header is ignored
    ("127.0.0.1", None, "127.0.0.1"),
])
def test_client_address(remote, forwarded, expected):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("POST", "/oauth/token", headers=headers)
    request = request.clone(remote=remote)
    trusted = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    assert client_address(request, trusted) == expected
