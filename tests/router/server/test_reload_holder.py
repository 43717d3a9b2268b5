"""Swapping gateways: new requests see the new one, in-flight ones finish on the old one."""

from __future__ import annotations

import asyncio
import logging

from router.server.reload import Swappable, file_state, watch_file
from tests.router.server.local_gateway import LocalGateway


async def test_in_flight_request_keeps_old_gateway_until_done():
    old, new = LocalGateway("v1"), LocalGateway("v2")
    holder = Swappable(old)
    entered, release = asyncio.Event(), asyncio.Event()

    async def in_flight():
        async with holder.lease() as gateway:
            entered.set()
            await release.wait()
            return gateway.version

    task = asyncio.create_task(in_flight())
    await entered.wait()
    retired = holder.swap(new)
    async with holder.lease() as gateway:
        assert gateway.version == "v2"
    assert not old.closed
    release.set()
    assert await task == "v1"
    await asyncio.wait_for(retired.closed.wait(), 5)
    assert old.closed and not new.closed
    await holder.aclose()
    assert new.closed


async def test_idle_gateway_closes_at_once():
    old = LocalGateway("v1")
    holder = Swappable(old)
    retired = holder.swap(LocalGateway("v2"))
    await asyncio.wait_for(retired.closed.wait(), 5)
    assert old.closed


async def test_watch_file_swaps_and_keeps_old_on_error(tmp_path, caplog):
    path = tmp_path / "supergraph.graphql"
    path.write_text("v1")
    holder = Swappable(LocalGateway("v1"))

    def build(text: str) -> LocalGateway:
        if not text.startswith("v"):
            raise ValueError(f"bad supergraph: {text!r}")
        return LocalGateway(text)

    watcher = asyncio.create_task(watch_file(path, holder, build, interval=0.01, initial=file_state(path)))
    try:
        path.write_text("v2-longer")
        await _until(lambda: holder.current.version == "v2-longer")
        with caplog.at_level(logging.ERROR, logger="graft.reload"):
            path.write_text("broken!")
            await _until(lambda: "bad supergraph: 'broken!'" in caplog.text)
        assert holder.current.version == "v2-longer"
        path.write_text("v3")
        await _until(lambda: holder.current.version == "v3")
    finally:
        watcher.cancel()


async def _until(condition, timeout: float = 5.0) -> None:
    async def poll():
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)
