from auth.passwords import hash_password, verify_password


def test_hash_is_salted_and_verifies():
    first, second = hash_password("lovelace-1815"), hash_password("lovelace-1815")
    assert first != second and "lovelace" not in first
    assert verify_password(first, "lovelace-1815")
    assert not verify_password(first, "wrong")
    assert not verify_password("garbage", "lovelace-1815")


async def test_verification_runs_off_the_event_loop_in_a_bounded_pool():
    """Issue 12, finding 3: while passwords are checked the loop keeps running, and no more
    than the pool's threads check at once."""
    import asyncio
    import threading
    import time

    from auth import passwords

    stored = hash_password("lovelace-1815")
    threads: set[str] = set()
    real = passwords.verify_password

    def spy(stored_hash: str, password: str) -> bool:
        threads.add(threading.current_thread().name)
        return real(stored_hash, password)

    passwords.verify_password = spy
    try:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        ticker = asyncio.create_task(tick())
        started = time.perf_counter()
        results = await asyncio.gather(*(passwords.verify_password_off_loop(stored, p)
                                         for p in ["lovelace-1815", "wrong"] * 3))
        elapsed = time.perf_counter() - started
        ticker.cancel()
    finally:
        passwords.verify_password = real
    assert results == [True, False] * 3
    assert threads and all(name.startswith("argon2") for name in threads) and len(threads) <= 2
    assert ticks >= elapsed / 0.005 / 4  # the loop ran throughout (generously, on a busy machine)
    assert await passwords.hash_password_off_loop("x" * 12) != hash_password("x" * 12)
