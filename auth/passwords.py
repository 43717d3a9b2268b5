"""Password hashing with Argon2id (argon2-cffi); clear text is never stored.

An Argon2 verification takes about a tenth of a second of CPU. Servers call the async forms,
which run it in a small, bounded thread pool (argon2-cffi releases the GIL), so the event loop
keeps answering other requests while passwords are checked and at most `GRAFT_PASSWORD_THREADS`
are checked at once."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _pool() -> ThreadPoolExecutor:
    """GRAFT_PASSWORD_THREADS (default 2) threads, made on first use, for the process's lifetime."""
    threads = int(os.environ.get("GRAFT_PASSWORD_THREADS", "2"))
    if threads < 1:
        raise ValueError(f"GRAFT_PASSWORD_THREADS must be 1 or more, not {threads}")
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")


async def hash_password_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool(), hash_password, password)


async def verify_password_off_loop(stored_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_pool(), verify_password, stored_hash, password)
