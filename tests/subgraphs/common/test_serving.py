"""Issue (operability): Ctrl-C stops a subgraph in order, with exit code 0 and no traceback, even
while its background jobs (the events relay) are using the database."""

from __future__ import annotations

import signal

import pytest

from tests.support.processes import start_graft


@pytest.mark.parametrize("name", ["payments", "orders"])
def test_sigint_stops_a_subgraph_without_a_traceback(name, tmp_path):
    service = start_graft(name, ["subgraph", name], {"GRAFT_DATA_DIR": str(tmp_path)}, tmp_path)
    try:
        service.process.send_signal(signal.SIGINT)
        assert service.process.wait(timeout=30) == 0, service.log()
    finally:
        service.stop()
    assert "Traceback" not in service.log() and "ERROR" not in service.log(), service.log()


async def test_serving_freezes_what_the_service_built_to_start() -> None:
    """Once listening, the startup heap is out of the collector's view (full collections walk only
    what requests leave) and the youngest generation waits for 5,000 objects."""
    import asyncio
    import gc

    from aiohttp import web

    from subgraphs.common.serving import serve
    from tests.support.processes import free_port

    thresholds = gc.get_threshold()
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(web.Application(), "127.0.0.1", free_port(), stop))
    try:
        for _ in range(100):
            if gc.get_freeze_count() > 0:
                break
            await asyncio.sleep(0.02)
        assert gc.get_freeze_count() > 0 and gc.get_threshold() == (5000, 10, 10)
    finally:
        stop.set()
        await serving
        gc.unfreeze()
        gc.set_threshold(*thresholds)
