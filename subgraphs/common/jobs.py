"""Periodic background jobs a service runs beside its requests (sweepers, reconciliation, the
event relay). Every job must be safe with several replicas running it at once: each claims its
work with a conditional write, so a second replica finds nothing left to do."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from subgraphs.common.db import uncounted

log = logging.getLogger("graft.subgraph.jobs")


@dataclass(frozen=True)
class Job:
    """`run(app)` every `interval` seconds (with up to 10% jitter, so replicas spread out);
    it returns how many items it handled, and runs again at once while it finds a full batch."""

    name: str
    interval: float
    run: Callable[[web.Application], Awaitable[int]]
    batch: int = 0  # when run returns this many (>0), there may be more: go again without waiting


async def run_forever(app: web.Application, job: Job) -> None:
    """Never raises: a failing round is logged and the job tries again next interval."""
    uncounted()
    while True:
        try:
            handled = await job.run(app)
        except asyncio.CancelledError:
            raise
        except Exception:  # a job outlives any one failure (a database restart, a peer down)
            log.exception("job %s failed; retrying in %.1fs", job.name, job.interval)
            handled = 0
        if job.batch and handled >= job.batch:
            continue
        await asyncio.sleep(job.interval * random.uniform(0.9, 1.1))


def start_jobs(app: web.Application, jobs: list[Job]) -> list[asyncio.Task[None]]:
    return [asyncio.get_running_loop().create_task(run_forever(app, job), name=f"job:{job.name}") for job in jobs]


async def stop_jobs(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
