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


def run_hey(hey: str, url: str, body_path: Path, concurrency: int, seconds: float) -> LoadResult:
    argv = [hey, "-z", f"{seconds}s", "-c", str(concurrency), "-m", "POST", "-T", "application/json",
            "-D", str(body_path), url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, check=True)
    return parse_hey(done.stdout)


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
