"""A TCP server that accepts connections and never answers: a hung Redis or users service as a
client sees it (connect succeeds, then nothing), on a free port of its own."""

from __future__ import annotations

import time

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SilentServer:
    sock: socket.socket
    accepted: list[socket.socket] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def origin(self) -> str:
        return f"127.0.0.1:{self.port}"

    def serve(self) -> None:
        """Accept and hold every connection, reading nothing and writing nothing."""
        self.sock.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)


@contextmanager
def silent_server() -> Iterator[SilentServer]:
    sock = socket.create_server(("127.0.0.1", 0), backlog=128)
    server = SilentServer(sock)
    thread = threading.Thread(target=server.serve, name="silent-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopped.set()
        thread.join(timeout=2)
        for conn in server.accepted:
            conn.close()
        sock.close()


async def timed(call) -> tuple[float, object]:
    """(seconds, result) of awaiting `call`."""
    started = time.perf_counter()
    result = await call
    return time.perf_counter() - started, result
