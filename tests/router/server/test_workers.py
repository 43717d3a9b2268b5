"""The worker supervisor on plain child processes: restarts, giving up, stopping all."""

from __future__ import annotations

import asyncio
import os
import sys

from router.server import workers
from router.server.workers import Supervisor

SLEEPER = [sys.executable, "-c", "import time, os; print(os.getpid(), flush=True); time.sleep(60)"]


async def test_stop_terminates_every_worker(tmp_path):
    marker = tmp_path / "pids"
    argv = [sys.executable, "-c",
            f"import os, time; open({str(marker)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"]
    supervisor = Supervisor(argv, 3)
    run = asyncio.create_task(supervisor.run())
    for _ in range(200):
        if marker.exists() and len(marker.read_text().split()) == 3:
            break
        await asyncio.sleep(0.05)
    pids = [int(p) for p in marker.read_text().split()]
    assert len(set(pids)) == 3
    supervisor.stopping.set()
    assert await asyncio.wait_for(run, 20) == 0
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive = open(f"/proc/{pid}/stat").read().split(") ")[1][0] != "Z"
        except (ProcessLookupError, FileNotFoundError):
            alive = False
        assert not alive


async def test_workers_failing_at_start_stop_the_supervisor(monkeypatch):
    monkeypatch.setattr(workers, "MAX_QUICK_EXITS", 2)
    supervisor = Supervisor([sys.executable, "-c", "raise SystemExit(3)"], 1)
    assert await asyncio.wait_for(supervisor.run(), 30) == 1


async def test_a_crashed_worker_is_restarted(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "QUICK_EXIT", 0.0)  # count no exit as a start-up failure
    marker = tmp_path / "starts"
    argv = [sys.executable, "-c",
            f"import time; open({str(marker)!r}, 'a').write('x'); time.sleep(0.2); raise SystemExit(1)"]
    supervisor = Supervisor(argv, 1)
    run = asyncio.create_task(supervisor.run())
    for _ in range(200):
        if marker.exists() and len(marker.read_text()) >= 3:
            break
        await asyncio.sleep(0.05)
    supervisor.stopping.set()
    assert await asyncio.wait_for(run, 20) == 0
    assert len(marker.read_text()) >= 3


def test_worker_argv_runs_one_process_on_a_shared_port():
    argv = workers.worker_argv(["serve", "--port", "5"])
    assert argv[:3] == [sys.executable, "-m", "router"]
    assert argv[-3:] == ["--workers", "1", "--reuse-port"]
