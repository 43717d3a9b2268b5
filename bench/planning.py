"""Planning time of Graft's router for the timed operation: cold (a fresh planner) and cached."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import orjson
from graphql import parse

from router.gateway import Gateway
from router.planning import QueryPlanner
from router.supergraph import load_supergraph


@dataclass(frozen=True)
class PlanningTime:
    cold_ms: float
    cached_ms: float
    fetches: int


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure_planning(supergraph_sdl: str, body: bytes, rounds: int = 20) -> PlanningTime:
    """Cold: parse + plan with a new planner each round. Cached: the router's plan cache lookup."""
    request = orjson.loads(body)
    query, name = request["query"], request.get("operationName")
    model = load_supergraph(supergraph_sdl)
    cold = []
    for _ in range(rounds):
        start = time.perf_counter()
        plan = QueryPlanner(model).plan(parse(query), name)
        cold.append(time.perf_counter() - start)
    gateway = Gateway.from_sdl(supergraph_sdl)
    document = parse(query)
    gateway.plan(document, name)
    cached = []
    for _ in range(rounds * 10):
        start = time.perf_counter()
        gateway.plan(document, name)
        cached.append(time.perf_counter() - start)
    return PlanningTime(_median_ms(cold), _median_ms(cached), plan.pretty().count("Fetch("))
