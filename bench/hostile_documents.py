"""Hostile GraphQL documents against a real `graft serve` (issue 12, part 1): how long each takes
to answer, what the router's RSS does, and what a normal query's latency does meanwhile.

    .venv/bin/python -m bench.hostile_documents [--distinct 1000] [--huge 1000] [--json out.json]

Starts the catalog subgraph (SQLite, seeded) and the router over the project supergraph on free
ports, in a temporary directory. Not a test: it prints figures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.graft import ROOT, Process, start

NORMAL = '{ products(first: 3) { edges { node { name price { amount } } } } }'


def post(url: str, query: str, timeout: float = 120) -> tuple[int, float, str]:
    """(status, seconds, first error message or '')."""
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json",
                                                              "Accept": "application/graphql-response+json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            status, answer = resp.status, resp.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    elapsed = time.perf_counter() - started
    try:
        errors = json.loads(answer).get("errors") or []
    except ValueError:
        errors = [{"message": answer[:120].decode(errors="replace")}]
    return status, elapsed, (errors[0].get("message", "")[:120] if errors else "")


# --- the hostile documents -------------------------------------------------------------------

def many_operations(seed: int = 0) -> str:
    """66,000 `query Qn { __typename }` operations: about 1.97 MB, under the 2 MB body limit."""
    return "".join(f"query Q{n}_{seed} {{ __typename }} " for n in range(66_000))


def comment_padded(seed: int, size: int) -> str:
    """A valid small query behind `size` bytes of comment, distinct per seed."""
    line = f"# padding {seed:08d} " + "x" * 100 + "\n"
    return line * (size // len(line)) + NORMAL


def conflicting_aliases(count: int = 3000) -> str:
    """`count` fields under one response name with different arguments: about 113 KB."""
    fields = " ".join(f'p: product(id: "{n:05d}") {{ id name }}' for n in range(count))
    return "{ " + fields + " }"


def compact_conflicting_aliases(count: int = 1300) -> str:
    """As many conflicting aliases as fit in 15,000 tokens: 11 tokens each."""
    return "{ " + " ".join(f'p: product(id: "{n}") {{ id }}' for n in range(count)) + " }"


def fragment_fan_out(levels: int = 20) -> str:
    """Each fragment spreads the next twice: a few hundred bytes, 2^levels fields expanded."""
    fragments = [f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)]
    return "{ ...F0 }\n" + "\n".join(fragments) + f"\nfragment F{levels} on Query {{ __typename }}"


# --- measuring -------------------------------------------------------------------------------

@dataclass
class Background:
    """A normal client sending NORMAL one request after another while the hostile ones arrive."""

    url: str
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Background:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            status, elapsed, _ = post(self.url, NORMAL, timeout=120)
            self.latencies.append(elapsed)
            self.failures += status != 200
            time.sleep(0.01)

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scenario(router: Process, name: str, documents: Iterator[str], count: int,
             report: Callable[[dict], None]) -> None:
    rss_before = router.rss_mb()
    times: list[float] = []
    statuses: dict[int, int] = {}
    message = ""
    with Background(router.url) as normal:
        rss_every: list[float] = []
        for sent in range(1, count + 1):
            status, elapsed, message = post(router.url, next(documents))
            times.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1
            if count >= 100 and sent % (count // 10) == 0:
                rss_every.append(round(router.rss_mb(), 1))
        time.sleep(0.2)
    row = {"scenario": name, "requests": count, "statuses": statuses,
           "max_ms": round(max(times) * 1000, 1), "median_ms": round(statistics.median(times) * 1000, 1),
           "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(router.rss_mb(), 1),
           "rss_each_tenth_mb": rss_every,
           "normal_requests": len(normal.latencies), "normal_failures": normal.failures,
           "normal_p50_ms": round(percentile(normal.latencies, 0.5) * 1000, 1),
           "normal_p99_ms": round(percentile(normal.latencies, 0.99) * 1000, 1),
           "normal_max_ms": round(max(normal.latencies, default=float("nan")) * 1000, 1), "message": message}
    report(row)


def quiet_baseline(router: Process, report: Callable[[dict], None], count: int = 300) -> None:
    times = [post(router.url, NORMAL)[1] for _ in range(count)]
    report({"scenario": "normal query alone", "requests": count,
            "normal_p50_ms": round(percentile(times, 0.5) * 1000, 1),
            "normal_p99_ms": round(percentile(times, 0.99) * 1000, 1), "rss_after_mb": round(router.rss_mb(), 1)})


def run(distinct: int, huge: int, padded_size: int, rows: list[dict]) -> None:
    def report(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)

    with tempfile.TemporaryDirectory(prefix="graft-hostile-") as tmp:
        base = Path(tmp)
        env = {"GRAFT_DATA_DIR": str(base), "PYTHONUNBUFFERED": "1"}
        catalog = start("catalog", ["subgraph", "catalog"], env, base)
        config = base / "router.yaml"
        config.write_text(f"subgraphs:\n  catalog:\n    url: {catalog.url}/graphql\nsupergraph:\n  watch: false\n")
        router = start("router", ["serve", "--supergraph", str(ROOT / "schema/supergraph.graphql"),
                                   "--config", str(config)], env, base)
        try:
            assert post(router.url, NORMAL)[0] == 200, "the normal query fails"
            quiet_baseline(router, report)
            seeds = iter(range(10**9))
            scenario(router, "66k operations, 1.97 MB (x3)", (many_operations(next(seeds)) for _ in iter(int, 1)), 3,
                     report)
            scenario(router, "conflicting aliases, 3,000 (108 KB)", iter(lambda: conflicting_aliases(), None), 3,
                     report)
            scenario(router, "conflicting aliases, 1,300 (40 KB: under the byte and token ceilings)",
                     iter(lambda: compact_conflicting_aliases(), None), 3, report)
            scenario(router, "fragment fan-out, 2^20 fields", iter(lambda: fragment_fan_out(), None), 1, report)
            scenario(router, "50 distinct 1.9 MB comment-padded", (comment_padded(next(seeds), 1_900_000)
                                                                  for _ in iter(int, 1)), 50, report)
            scenario(router, f"{huge} distinct 1.9 MB comment-padded",
                     (comment_padded(next(seeds), 1_900_000) for _ in iter(int, 1)), huge, report)
            scenario(router, f"{distinct} distinct {padded_size // 1000} KB comment-padded (accepted)",
                     (comment_padded(next(seeds), padded_size) for _ in iter(int, 1)), distinct, report)
        finally:
            router.stop()
            catalog.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distinct", type=int, default=1000, help="distinct accepted large documents")
    parser.add_argument("--huge", type=int, default=1000, help="distinct 1.9 MB documents (after the first 50)")
    parser.add_argument("--padded-size", type=int, default=95_000,
                        help="size of the accepted comment-padded documents (below limits.max_document_bytes)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the processes we started
    rows: list[dict] = []
    try:
        run(args.distinct, args.huge, args.padded_size, rows)
    finally:
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
