"""`make run`: every service as a child process, logs prefixed, Ctrl-C stops them all.

Each child runs in its own session, so the terminal's Ctrl-C reaches only this supervisor, which
asks every child to stop with SIGTERM: a child still importing just ends, one serving stops in
order; neither prints a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass

from router.marketplace import SUBGRAPHS, subgraph
from router.schema_files import SUPERGRAPH

COLOURS = ("36", "33", "35", "32", "34")
ROUTER_PORT = 4000
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class DevProcess:
    """One child of `make run`: its log prefix, command line and extra environment."""

    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


def stack() -> list[DevProcess]:
    """The subgraphs, and the router serving their composed supergraph on port 4000."""
    subgraphs = [DevProcess(s.name, s.argv()) for s in SUBGRAPHS]
    # clients get tokens from the router's /oauth/token, which the users service answers;
    # REDIS_URL, when set, is shared by the subgraphs and the router
    env = {"GRAFT_AUTH__AUTHORIZATION_SERVER": f"http://127.0.0.1:{subgraph('users').port}",
           "GRAFT_RATE_LIMITS__ENABLED": "true"}
    if os.environ.get("REDIS_URL"):  # shared caches invalidate on catalog writes, so the entity cache is safe
        env.update(GRAFT_REDIS__URL=os.environ["REDIS_URL"], GRAFT_CACHE__ENTITY="true")
    serve = (sys.executable, "-m", "router", "serve", "--supergraph", str(SUPERGRAPH), "--port", str(ROUTER_PORT))
    return [*subgraphs, DevProcess("router", serve, tuple(env.items()))]


async def _pipe(name: str, colour: str, stream: asyncio.StreamReader) -> None:
    prefix = f"\x1b[{colour}m{name:>8}\x1b[0m | " if sys.stdout.isatty() else f"{name:>8} | "
    while line := await stream.readline():
        sys.stdout.write(prefix + line.decode(errors="replace"))
        sys.stdout.flush()


async def _run(children: list[DevProcess]) -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed; children go too
        loop.add_signal_handler(sig, stop.set)
    procs, pipes = [], []
    for colour, child in zip(COLOURS * 2, children):
        proc = await asyncio.create_subprocess_exec(
            *child.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**env, **dict(child.env)}, start_new_session=True,
        )
        if proc.stdout is None:
            raise RuntimeError(f"{child.name}: started without its output pipe")
        procs.append(proc)
        pipes.append(asyncio.create_task(_pipe(child.name, colour, proc.stdout)))
    waits = [asyncio.create_task(p.wait()) for p in procs]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([*waits, stopper], return_when=asyncio.FIRST_COMPLETED)
    failed = [c.name for c, p in zip(children, procs) if p.returncode not in (None, 0)]
    for proc in procs:
        if proc.returncode is None:
            proc.terminate()
    await _stopped(procs, waits)
    await asyncio.gather(*pipes, return_exceptions=True)
    if failed:
        print(f"stopped: {', '.join(failed)} exited with an error", file=sys.stderr)
        return 1
    return 0


async def _stopped(procs: list[asyncio.subprocess.Process], waits: list[asyncio.Task[int]]) -> None:
    """Every child gone: STOP_TIMEOUT seconds to stop in order, then killed."""
    _, late = await asyncio.wait(waits, timeout=STOP_TIMEOUT)
    if late:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
        await asyncio.gather(*late)


def run_stack() -> int:
    try:
        return asyncio.run(_run(stack()))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were in place: no child started yet
        return 0
