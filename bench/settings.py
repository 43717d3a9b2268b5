"""What one bench run does, as `python -m bench` parsed it: the runner follows it, the report quotes it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.gateways import GatewayUnderTest
from bench.graphs import BenchGraph


@dataclass(frozen=True)
class Settings:
    graphs: list[BenchGraph]
    gateways: list[GatewayUnderTest]
    concurrency: int
    seconds: float
    warmup: float
    output: Path | None
    command: str
    sequential_seconds: float = 10.0  # one client, the mix in turn, per gateway; 0: skipped
    paired_rounds: int = 15  # commerce against its baseline, taking turns (bench.sequential.run_alternating); 0: skipped
    paired_seconds: float = 1.0  # each stack's turn
