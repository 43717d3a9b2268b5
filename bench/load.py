"""Load with `hey` at fixed concurrency for a fixed time, parsed into one typed result."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadResult:
    requests: int
    ok: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def _hey_argv(hey: str, url: str, body_path: Path, concurrency: int, seconds: float) -> list[str]:
    return [hey, "-z", f"{seconds}s", "-c", str(concurrency), "-m", "POST", "-T", "application/json",
            "-D", str(body_path), url]


def run_hey(hey: str, url: str, body_path: Path, concurrency: int, seconds: float) -> LoadResult:
    done = subprocess.run(_hey_argv(hey, url, body_path, concurrency, seconds),
                          capture_output=True, text=True, timeout=seconds + 120, check=True)
    return parse_hey(done.stdout)


def run_mix(hey: str, url: str, body_paths: list[Path], concurrency: int, seconds: float) -> LoadResult:
    """One hey per operation of a mix, at the same time, sharing the concurrency; counts add up and
    each percentile is the worst operation's (hey cannot merge its distributions)."""
    if len(body_paths) == 1:
        return run_hey(hey, url, body_paths[0], concurrency, seconds)
    share = max(1, concurrency // len(body_paths))
    running = [subprocess.Popen(_hey_argv(hey, url, path, share, seconds), stdout=subprocess.PIPE, text=True)
               for path in body_paths]
    results = []
    for process in running:
        out, _ = process.communicate(timeout=seconds + 120)
        if process.returncode != 0:
            raise RuntimeError(f"hey exited with {process.returncode}")
        results.append(parse_hey(out))
    return merge(results)


def _worst(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if len(known) == len(values) else None


def merge(results: list[LoadResult]) -> LoadResult:
    return LoadResult(
        requests=sum(r.requests for r in results), ok=sum(r.ok for r in results),
        errors=sum(r.errors for r in results), seconds=max(r.seconds for r in results),
        rps=sum(r.rps for r in results), p50_ms=_worst([r.p50_ms for r in results]),
        p95_ms=_worst([r.p95_ms for r in results]), p99_ms=_worst([r.p99_ms for r in results]),
    )


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def _percentile_ms(percent: int, text: str) -> float | None:
    """hey leaves out a percentile (or prints 0) when it has too few samples for it."""
    seconds = _number(rf"\b{percent}%+ in ([\d.]+) secs", text)
    return seconds * 1000 if seconds > 0 else None


def parse_hey(text: str) -> LoadResult:
    """hey's text summary → LoadResult; non-200 statuses and transport errors both count as errors."""
    statuses = {int(code): int(count) for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    error_part = text.split("Error distribution:", 1)[1] if "Error distribution:" in text else ""
    transport = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]", error_part, re.MULTILINE))
    ok = statuses.get(200, 0)
    requests = sum(statuses.values()) + transport
    return LoadResult(
        requests=requests, ok=ok, errors=requests - ok,
        seconds=_number(r"Total:\s+([\d.]+) secs", text), rps=_number(r"Requests/sec:\s+([\d.]+)", text),
        p50_ms=_percentile_ms(50, text), p95_ms=_percentile_ms(95, text), p99_ms=_percentile_ms(99, text),
    )
