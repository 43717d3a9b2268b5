"""Serving one subgraph in the foreground: SIGINT and SIGTERM stop it in order (stop listening,
then the app's cleanup: jobs, events, Redis, the database), so Ctrl-C prints no traceback.

aiohttp's `run_app` raises GracefulExit from its signal handler into whatever is running, which
can be a database call of a background job; here a signal only sets an event."""

from __future__ import annotations

import asyncio
import gc
import signal
from collections.abc import Callable

from aiohttp import web


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is absent only on Windows
        return None
    return uvloop.new_event_loop


async def serve(app: web.Application, host: str, port: int, stop: asyncio.Event | None = None,
                drain: float = 15.0) -> None:
    """Listen until `stop` is set (by SIGINT or SIGTERM); then stop accepting, give requests in
    flight `drain` seconds to finish, and clean up."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=drain)
    await runner.setup()
    try:
        if not stop.is_set():
            await web.TCPSite(runner, host, port).start()
            settle_heap()
            await stop.wait()
    finally:
        await runner.cleanup()


def settle_heap() -> None:
    """What the service built to start (schema, mappers, compiled statements) lives as long as the
    process: frozen out of the collector's view, full collections walk only what requests left,
    and the youngest generation waits for 5,000 new objects (a response's rows and dicts)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(5000, 10, 10)


def run_forever(app: web.Application, host: str, port: int, drain: float = 15.0) -> None:
    """`serve` on uvloop, to completion."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve(app, host, port, drain=drain))
