"""A lean HTTP/1.1 client for subgraph fetches over plain http://: one POST, a keep-alive pool per
host. aiohttp's client costs several times more CPU per request than the request itself needs
(its session, tracing hooks, cookie jar, request and response objects); a subgraph fetch needs
none of them. HTTPS, and tracing's instrumented client, stay on aiohttp (client.py chooses).

Responses are read whole: Content-Length, chunked, or until the server closes. An idle
connection is kept for `keepalive` seconds; one the server closed is never reused; a
connection is dropped whenever an exchange did not finish cleanly (timeout, cancel, error)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import cast

MAX_HEAD = 65536  # bytes of status line and headers


class ProtocolError(ConnectionError):
    """The server's answer was not HTTP/1.1 as we read it, or it closed mid-answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]  # names lower-cased


class _Connection(asyncio.Protocol):
    """One TCP connection: the bytes of the answer in progress, and the future waiting for it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.idle_since = 0.0
        self._head: tuple[int, dict[str, str]] | None = None
        self._chunks: list[bytes] = []
        self._reusable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass, only alike

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is not None and not self.waiter.done():
            try:
                self._advance()
            except ProtocolError as error:
                self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is None or self.waiter.done():
            return
        if self._head is not None and self._head[1].get("transfer-encoding") is None \
                and "content-length" not in self._head[1]:
            self._finish(bytes(self.buffer))  # the body ran until the server closed
        else:
            self._fail(ProtocolError("the subgraph closed the connection before answering"))

    def reusable(self) -> bool:
        return self._reusable and not self.closed and self.transport is not None \
            and not self.transport.is_closing()

    def send(self, data: bytes, waiter: asyncio.Future[Answer]) -> None:
        assert self.transport is not None
        self.waiter, self._head, self._chunks = waiter, None, []
        self.buffer.clear()
        self.transport.write(data)

    def abort(self) -> None:
        self._reusable = False
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        self._reusable = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        if self.transport is not None:
            self.transport.abort()

    def _finish(self, body: bytes) -> None:
        assert self._head is not None and self.waiter is not None
        status, headers = self._head
        if "close" in headers.get("connection", "").lower():
            self._reusable = False
        self.waiter.set_result(Answer(status, body, headers))

    def _advance(self) -> None:
        while self._head is None or 100 <= self._head[0] < 200:  # informational answers are skipped
            self._head = None
            if not self._read_head():
                return
        assert self._head is not None
        status, headers = self._head
        if status in (204, 304):
            self._finish(b"")
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._read_chunks()
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if len(self.buffer) >= length:
                self._finish(bytes(self.buffer[:length]))
        else:
            self._reusable = False  # read until the server closes (connection_lost)

    def _read_head(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise ProtocolError("the subgraph's response headers are too large")
            return False
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError("the subgraph did not answer in HTTP/1.1")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise ProtocolError("malformed response header")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers and not headers["content-length"].isdigit():
            raise ProtocolError("malformed Content-Length")
        del self.buffer[: end + 4]
        self._head = (int(parts[1]), headers)
        return True

    def _read_chunks(self) -> None:
        """Each complete chunk is taken off the buffer as it arrives; the last one ends the body."""
        while True:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            size_text = bytes(self.buffer[:line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError("malformed chunk size") from None
            if size == 0:  # then trailer lines, if any, and an empty line
                if self.buffer.find(b"\r\n\r\n", line_end) < 0:
                    return
                self.buffer.clear()
                self._finish(b"".join(self._chunks))
                return
            if len(self.buffer) < line_end + 2 + size + 2:
                return
            start = line_end + 2
            self._chunks.append(bytes(self.buffer[start:start + size]))
            del self.buffer[: start + size + 2]


@dataclass
class Http1Pool:
    """Idle keep-alive connections per (host, port). In-flight requests are capped by the
    caller (the subgraph client's gates), so the pool itself sets no limit."""

    keepalive: float = 30.0
    _idle: dict[tuple[str, int], list[_Connection]] = field(default_factory=dict)

    async def post(self, host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        """Raises OSError (refused, reset, ProtocolError); the caller bounds the time."""
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # an IPv6 address in brackets
        head = [f"POST {path} HTTP/1.1", f"Host: {authority}", f"Content-Length: {len(body)}"]
        for name, value in headers.items():
            if "\r" in name or "\n" in name or "\r" in value or "\n" in value or ":" in name:
                raise ValueError(f"header {name!r} cannot be sent")
            head.append(f"{name}: {value}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        connection = await self._acquire(host, port)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Answer] = loop.create_future()
        try:
            connection.send(data, waiter)
            answer = await waiter
        except BaseException:
            connection.abort()  # timed out, cancelled or failed mid-exchange: its state is unknown
            raise
        connection.waiter = None
        if connection.reusable():
            connection.idle_since = time.monotonic()
            self._idle.setdefault((host, port), []).append(connection)
        else:
            connection.abort()
        return answer

    async def _acquire(self, host: str, port: int) -> _Connection:
        idle = self._idle.get((host, port))
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.reusable() and now - connection.idle_since < self.keepalive:
                return connection
            connection.abort()
        _, protocol = await asyncio.get_running_loop().create_connection(_Connection, host, port)
        return protocol

    def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.abort()
        self._idle.clear()
