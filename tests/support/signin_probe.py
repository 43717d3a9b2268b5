"""Issue 12, finding 3, measured (not a test): wrong passwords at a steady rate against a users
service's /oauth/token while a second client asks `user(id:)`; prints the token endpoint's
statuses and the query's latency before and during the attack.

    .venv/bin/python -m tests.support.signin_probe http://127.0.0.1:4003 [--count 200] [--rate 9.5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter

import aiohttp

QUERY = {"query": '{ user(id: "1") { name } }'}


async def _queries(http: aiohttp.ClientSession, url: str, until: asyncio.Event, latencies: list[float]) -> None:
    while not until.is_set():
        started = time.perf_counter()
        async with http.post(f"{url}/graphql", json=QUERY) as resp:
            await resp.read()
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)


async def _guess(http: aiohttp.ClientSession, url: str, n: int, statuses: Counter) -> None:
    form = {"grant_type": "password", "client_id": "storefront", "username": "ada@example.com",
            "password": f"wrong-{n}"}
    async with http.post(f"{url}/oauth/token", data=form) as resp:
        await resp.read()
        statuses[resp.status] += 1


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.0f} ms"


async def probe(url: str, count: int, rate: float) -> None:
    async with aiohttp.ClientSession() as http:
        quiet: list[float] = []
        done = asyncio.Event()
        baseline = asyncio.create_task(_queries(http, url, done, quiet))
        await asyncio.sleep(3)
        done.set()
        await baseline
        loaded: list[float] = []
        statuses: Counter = Counter()
        done = asyncio.Event()
        watcher = asyncio.create_task(_queries(http, url, done, loaded))
        started = time.perf_counter()
        guesses = []
        for n in range(count):
            guesses.append(asyncio.create_task(_guess(http, url, n, statuses)))
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
        await asyncio.gather(*guesses)
        done.set()
        await watcher
    print(f"{count} wrong passwords at {rate}/s: " + ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())))
    print(f"user(id) alone:          p50 {_ms(quiet, 0.5)}, p95 {_ms(quiet, 0.95)} ({len(quiet)} queries)")
    print(f"user(id) during attack:  p50 {_ms(loaded, 0.5)}, p95 {_ms(loaded, 0.95)} ({len(loaded)} queries, "
          f"mean {1000 * statistics.fmean(loaded):.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="the users service's origin, e.g. http://127.0.0.1:4003")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rate", type=float, default=9.5, help="wrong passwords per second")
    args = parser.parse_args()
    asyncio.run(probe(args.url.rstrip("/"), args.count, args.rate))


if __name__ == "__main__":
    main()
