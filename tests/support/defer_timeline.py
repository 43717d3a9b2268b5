"""The @defer timeline against a real stack (`make defer-timeline`): per slow-fetch delay, the
time to the first part and to the whole multipart response, beside the same query answered
without @defer as one JSON response. Prints a Markdown table of medians over the rounds.

python -m tests.support.defer_timeline [--rounds N] [--delays-ms 0,250,1000]"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from tests.support.defer_stack import defer_stack, read_streamed

DEFERRED = """query($delay: Int!) { product(id: "1") { name sku price { amount currency }
  ... @defer(label: "forecast") { restockForecast(delayMs: $delay) } } }"""
WHOLE = """query($delay: Int!) { product(id: "1") { name sku price { amount currency }
  restockForecast(delayMs: $delay) } }"""


async def measure(url: str, delay_ms: int, rounds: int) -> tuple[float, float, float]:
    """Medians in ms: first part, last part (multipart with @defer), one JSON answer without it."""
    first, last, whole = [], [], []
    for _ in range(rounds):
        streamed = await read_streamed(url, DEFERRED, {"delay": delay_ms})
        assert len(streamed.arrivals) == 2 and streamed.closed, streamed
        first.append(streamed.arrivals[0].seconds * 1000)
        last.append(streamed.arrivals[-1].seconds * 1000)
        plain = await read_streamed(url, WHOLE, {"delay": delay_ms}, accept="application/json")
        whole.append(plain.arrivals[0].seconds * 1000)
    return statistics.median(first), statistics.median(last), statistics.median(whole)


async def timeline(url: str, delays: list[int], rounds: int) -> str:
    await read_streamed(url, DEFERRED, {"delay": 0})  # warm: connections, plan cache
    lines = ["| slow fetch | first part | whole (multipart) | without @defer (one JSON) |",
             "|---:|---:|---:|---:|"]
    for delay in delays:
        first, last, whole = await measure(url, delay, rounds)
        lines.append(f"| {delay} ms | {first:.0f} ms | {last:.0f} ms | {whole:.0f} ms |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--delays-ms", default="0,250,1000")
    args = parser.parse_args()
    delays = [int(d) for d in args.delays_ms.split(",")]
    with tempfile.TemporaryDirectory() as base, defer_stack(Path(base)) as router:
        print(asyncio.run(timeline(router.graphql_url, delays, args.rounds)))
        print(f"\nmedians of {args.rounds} rounds; the slow subgraph sleeps for the delay")


if __name__ == "__main__":
    main()
