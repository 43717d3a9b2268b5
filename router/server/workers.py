"""`graft serve --workers N`: N router processes sharing one port (SO_REUSEPORT), supervised:
a crashed worker is restarted, all stop on SIGTERM/Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger("graft.workers")

QUICK_EXIT = 5.0  # seconds: a worker dying sooner than this counts as failing to start
MAX_QUICK_EXITS = 3
STOP_TIMEOUT = 15.0  # beyond a worker's own drain.grace_seconds


@dataclass
class Worker:
    index: int
    process: asyncio.subprocess.Process
    started: float


class Supervisor:
    def __init__(self, argv: Sequence[str], count: int, drain_seconds: float = 0.0) -> None:
        self.argv = list(argv)
        self.count = count
        self.stop_timeout = drain_seconds + STOP_TIMEOUT
        self.stopping = asyncio.Event()
        self.quick_exits = 0
        self.failed = False

    async def _spawn(self, index: int) -> Worker:
        env = {**os.environ, "GRAFT_SUPERVISOR_PID": str(os.getpid()), "GRAFT_WORKER_INDEX": str(index)}
        process = await asyncio.create_subprocess_exec(*self.argv, env=env)
        log.info("worker %d started (pid %d)", index, process.pid)
        return Worker(index, process, time.monotonic())

    async def _keep(self, index: int) -> None:
        """Run worker `index`, restarting it until we stop or it keeps failing to start."""
        while not self.stopping.is_set():
            worker = await self._spawn(index)
            waiter = asyncio.create_task(worker.process.wait())
            stopper = asyncio.create_task(self.stopping.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if self.stopping.is_set():
                stopper.cancel()
                await self._stop(worker, waiter)
                return
            stopper.cancel()
            code = worker.process.returncode
            quick = time.monotonic() - worker.started < QUICK_EXIT
            self.quick_exits = self.quick_exits + 1 if quick else 0
            log.error("worker %d (pid %d) exited with %s", index, worker.process.pid, code)
            if self.quick_exits >= MAX_QUICK_EXITS:
                log.error("workers keep failing at start; stopping all")
                self.failed = True
                self.stopping.set()
                return
            await asyncio.sleep(1.0 if quick else 0.1)

    async def _stop(self, worker: Worker, waiter: asyncio.Task[int]) -> None:
        if worker.process.returncode is None:
            worker.process.terminate()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), self.stop_timeout)
        except TimeoutError:
            log.error("worker %d did not stop in %.0fs; killing it", worker.index, self.stop_timeout)
            worker.process.kill()
            await waiter

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        await asyncio.gather(*(self._keep(i) for i in range(self.count)))
        return 1 if self.failed else 0


def supervise(worker_argv: Sequence[str], count: int, drain_seconds: float = 0.0) -> int:
    """Start `count` copies of `worker_argv` and look after them until a signal stops us; a worker
    gets its `drain_seconds` and STOP_TIMEOUT more to stop before it is killed."""
    log.info("supervisor pid %d starting %d workers", os.getpid(), count)
    return asyncio.run(Supervisor(worker_argv, count, drain_seconds).run())


def worker_argv(args: Sequence[str]) -> list[str]:
    """The command line of one worker: the serve command, one process, shared port."""
    return [sys.executable, "-m", "router", *args, "--workers", "1", "--reuse-port"]
