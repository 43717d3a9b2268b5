"""Hot reload: a new supergraph file swaps in a new gateway for new requests, while requests
already running finish on the old one, which is closed when its last request ends."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from router.composition import read_supergraph

log = logging.getLogger("graft.reload")


class Closable(Protocol):
    def close(self) -> Any: ...


G = TypeVar("G", bound=Closable)


@dataclass
class _Generation(Generic[G]):
    value: G
    in_flight: int = 0
    retired: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)


async def close_value(value: Closable) -> None:
    result = value.close()
    if inspect.isawaitable(result):
        await result


class Swappable(Generic[G]):
    """Holds the gateway in service; `lease()` pins one for the length of a request."""

    def __init__(self, value: G, on_retired: Callable[[], None] | None = None) -> None:
        """`on_retired`: called once a swapped-out value has closed (serve: heap.settle)."""
        self._current = _Generation(value)
        self._closing: set[asyncio.Task[None]] = set()
        self.on_retired = on_retired

    @property
    def current(self) -> G:
        return self._current.value

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[G]:
        generation = self._current
        generation.in_flight += 1
        try:
            yield generation.value
        finally:
            generation.in_flight -= 1
            if generation.retired and generation.in_flight == 0:
                self._close_later(generation)

    def swap(self, value: G) -> _Generation[G]:
        """Serve `value` from now on; the old one closes once idle. Returns the old generation."""
        old, self._current = self._current, _Generation(value)
        old.retired = True
        if old.in_flight == 0:
            self._close_later(old)
        return old

    def _close_later(self, generation: _Generation[G]) -> None:
        async def close() -> None:
            try:
                await close_value(generation.value)
            except Exception:
                log.exception("closing the retired gateway failed")
            finally:
                generation.closed.set()

        task = asyncio.get_running_loop().create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._retired)

    def _retired(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        if self.on_retired is not None:
            asyncio.get_running_loop().call_soon(self.on_retired)  # once the task lets go of the old value

    async def aclose(self) -> None:
        """Close the current one and wait for retired ones still closing."""
        self._current.retired = True
        await close_value(self._current.value)
        self._current.closed.set()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


@dataclass(frozen=True)
class FileState:
    mtime_ns: int
    size: int
    sha256: str


def file_state(path: Path) -> FileState:
    data = path.read_bytes()
    stat = path.stat()
    return FileState(stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest())


async def watch_file(
    path: Path,
    holder: Swappable[G],
    build: Callable[[str], G],
    *,
    interval: float = 1.0,
    initial: FileState | None = None,
) -> None:
    """Poll `path`; when its content changes, build a new value and swap it in. A file that
    fails to build is logged and the old value stays in service."""
    state = initial or file_state(path)
    while True:
        await asyncio.sleep(interval)
        try:
            stat = path.stat()
            if (stat.st_mtime_ns, stat.st_size) == (state.mtime_ns, state.size):
                continue
            new_state = file_state(path)
        except OSError as exc:
            log.error("cannot read supergraph %s: %s; keeping the one in service", path, exc.strerror)
            continue
        if new_state.sha256 == state.sha256:
            state = new_state
            continue
        state = new_state
        try:
            value = build(read_supergraph(path))
        except Exception as exc:
            log.error("supergraph %s was not reloaded, the old one stays in service: %s", path, exc)
            continue
        holder.swap(value)
        log.info("supergraph %s reloaded (sha256 %s)", path, new_state.sha256[:12])
