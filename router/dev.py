"""`make run`: every service as a child process, logs prefixed, Ctrl-C stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass

from subgraphs.common.settings import SUBGRAPH_PORTS

COLOURS = ("36", "33", "35", "32", "34")


@dataclass(frozen=True)
class Service:
    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


def stack() -> list[Service]:
    """The four subgraphs, and the router serving their composed supergraph on port 4000."""
    from router.schema_files import SUPERGRAPH

    python = sys.executable
    subgraphs = [Service(name, (python, "-m", "router", "subgraph", name)) for name in SUBGRAPH_PORTS]
    # clients get tokens from the router's /oauth/token, which the users service answers;
    # REDIS_URL, when set, is shared by the subgraphs and the router
    env = {"GRAFT_AUTH__AUTHORIZATION_SERVER": f"http://127.0.0.1:{SUBGRAPH_PORTS['users']}",
           "GRAFT_RATE_LIMITS__ENABLED": "true"}
    if os.environ.get("REDIS_URL"):  # shared caches invalidate on catalog writes, so the entity cache is safe
        env.update(GRAFT_REDIS__URL=os.environ["REDIS_URL"], GRAFT_CACHE__ENTITY="true")
    router = Service("router", (python, "-m", "router", "serve", "--supergraph", str(SUPERGRAPH), "--port", "4000"),
                     tuple(env.items()))
    return [*subgraphs, router]


async def _pipe(name: str, colour: str, stream: asyncio.StreamReader) -> None:
    prefix = f"\x1b[{colour}m{name:>8}\x1b[0m | " if sys.stdout.isatty() else f"{name:>8} | "
    while line := await stream.readline():
        sys.stdout.write(prefix + line.decode(errors="replace"))
        sys.stdout.flush()


async def _run(services: list[Service]) -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs, pipes = [], []
    for colour, service in zip(COLOURS * 2, services):
        proc = await asyncio.create_subprocess_exec(
            *service.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**env, **dict(service.env)},
        )
        procs.append(proc)
        pipes.append(asyncio.create_task(_pipe(service.name, colour, proc.stdout)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waits = [asyncio.create_task(p.wait()) for p in procs]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([*waits, stopper], return_when=asyncio.FIRST_COMPLETED)
    failed = [s.name for s, p in zip(services, procs) if p.returncode not in (None, 0)]
    for proc in procs:
        if proc.returncode is None:
            proc.terminate()
    await asyncio.gather(*waits)
    await asyncio.gather(*pipes, return_exceptions=True)
    if failed:
        print(f"stopped: {', '.join(failed)} exited with an error", file=sys.stderr)
        return 1
    return 0


def run_stack() -> int:
    return asyncio.run(_run(stack()))
