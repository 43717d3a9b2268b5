"""`graft serve`: one router process on uvloop, with hot reload of the supergraph file."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from router.composition import CompositionFailed, read_supergraph
from router.config import ConfigError, RouterSettings
from router.features.authorization import PolicyError
from router.gateway import Gateway
from router.native import compiled
from router.server import heap
from router.server.app import create_app, create_metrics_app
from router.server.pipeline import Pipeline, build_pipeline
from router.server.reload import FileState, Swappable, file_state, watch_file
from router.server.resources import Resources
from router.server.runner import RouterRunner

log = logging.getLogger("graft.serve")


class StartupError(Exception):
    """The router cannot start: the message says why and what to fix."""


def supergraph_path(settings: RouterSettings) -> Path:
    path = settings.supergraph.path
    if path is None:
        raise StartupError("no supergraph: pass --supergraph PATH or set supergraph.path in router.yaml")
    return path


def load_gateway(settings: RouterSettings) -> tuple[Gateway, FileState]:
    """Read the supergraph and build its gateway once; any problem becomes a StartupError naming
    the file."""
    path = supergraph_path(settings)
    try:
        state = file_state(path)
        sdl = read_supergraph(path)
    except OSError as exc:
        raise StartupError(f"cannot read supergraph {path}: {exc.strerror}") from exc
    except CompositionFailed as exc:
        raise StartupError(f"{path} does not compose:\n" + "\n".join(str(e) for e in exc.errors)) from exc
    try:
        return Gateway.from_settings(sdl, settings), state
    except PolicyError as exc:
        raise StartupError(str(exc)) from exc
    except Exception as exc:
        raise StartupError(f"supergraph {path} is invalid: {exc}") from exc


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def _watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    """A worker stops when its supervisor is gone (killed without a chance to stop us)."""
    while os.getppid() == parent_pid:
        await asyncio.sleep(1.0)
    log.warning("supervisor %d is gone; stopping", parent_pid)
    stop.set()


async def _listen(runner: web.BaseRunner, host: str, port: int, reuse_port: bool) -> None:
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port)
    try:
        await site.start()
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


async def _metrics_runner(settings: RouterSettings, reuse_port: bool) -> web.AppRunner | None:
    """/metrics on metrics.listen, apart from the clients' port; None when it shares the main port."""
    address = settings.metrics.address()
    if address is None:
        return None
    runner = RouterRunner(create_metrics_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await _listen(runner, *address, reuse_port)
    except StartupError:
        await runner.cleanup()
        raise
    log.info("metrics on http://%s:%d/metrics", *address)
    return runner


async def run_server(settings: RouterSettings, *, reuse_port: bool = False, stop: asyncio.Event | None = None) -> None:
    gateway, state = load_gateway(settings)
    resources = Resources.open(settings)
    pipelines: Swappable[Pipeline] = Swappable(build_pipeline(settings, resources, gateway), on_retired=heap.settle)
    try:
        app = create_app(settings, pipelines, resources)
    except ConfigError as exc:
        await resources.close()
        await pipelines.aclose()
        raise StartupError(str(exc)) from exc
    # On stop, aiohttp stops listening, closes idle keep-alive connections and gives requests in
    # flight drain.grace_seconds before cancelling them.
    runner = RouterRunner(app, access_log=None, handle_signals=False, shutdown_timeout=settings.drain.grace_seconds)
    await runner.setup()
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    tasks: list[asyncio.Task[None]] = []
    metrics: web.AppRunner | None = None
    try:
        await _listen(runner, settings.listen.host, settings.listen.port, reuse_port)
        metrics = await _metrics_runner(settings, reuse_port)
        log.info("router listening on http://%s:%d/graphql (pid %d, %s loop, supergraph %s, compiled: %s)",
                 settings.listen.host, settings.listen.port, os.getpid(),
                 type(asyncio.get_running_loop()).__module__.split(".")[0], gateway.supergraph_sha[:12],
                 ", ".join(name.rpartition(".")[2] for name in compiled()) or "none")
        if settings.supergraph.watch:
            def rebuild(sdl: str) -> Pipeline:
                current = pipelines.current.service
                replacing = current if isinstance(current, Gateway) else None
                return build_pipeline(settings, resources, Gateway.from_settings(sdl, settings, replacing))

            tasks.append(asyncio.create_task(watch_file(
                supergraph_path(settings), pipelines, rebuild,
                interval=settings.supergraph.poll_interval, initial=state)))
        heap.settle()
        if parent := os.environ.get("GRAFT_SUPERVISOR_PID"):
            tasks.append(asyncio.create_task(_watch_parent(int(parent), stop)))
        await stop.wait()
        log.info("stopping (pid %d)", os.getpid())
    finally:
        for task in tasks:
            task.cancel()
        if metrics is not None:
            await metrics.cleanup()
        await runner.cleanup()  # stops listening, lets in-flight requests finish, closes resources
        await pipelines.aclose()


def run_worker(settings: RouterSettings, *, reuse_port: bool = False) -> int:
    """Run one server process to completion on uvloop (asyncio where uvloop is missing)."""
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        loop_factory = None
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(run_server(settings, reuse_port=reuse_port))
    except StartupError as exc:
        print(f"graft serve: {exc}", file=sys.stderr)
        return 2
    return 0
