"""The lean HTTP/1.1 client: every framing a subgraph may answer with, keep-alive reuse, and no
reuse of a connection whose exchange did not finish."""

from __future__ import annotations

import asyncio

import pytest

from router.execution.http1 import Http1Pool, ProtocolError


async def canned(answers: list[bytes]):
    """A server that reads one request per answer (headers and Content-Length body) and writes
    the next canned answer, on whatever connection asked; counts connections and requests."""
    seen = {"connections": 0, "requests": []}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen["connections"] += 1
        try:
            while answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                seen["requests"].append(head + await reader.readexactly(length))
                answer = answers.pop(0)
                if answer == b"HANG":
                    await asyncio.sleep(10)
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer or b"Content-Length" not in answer and b"chunked" not in answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], seen


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), extra) + body


async def test_keep_alive_reuses_one_connection_and_sends_headers():
    server, port, seen = await canned([ok(b'{"a":1}', b"Cache-Control: max-age=5\r\n"), ok(b'{"b":2}')])
    pool = Http1Pool()
    first = await pool.post("127.0.0.1", port, "/graphql", b'{"q":1}', {"Authorization": "Bearer x"})
    second = await pool.post("127.0.0.1", port, "/graphql", b'{"q":2}', {})
    assert (first.status, first.body, first.headers["cache-control"]) == (200, b'{"a":1}', "max-age=5")
    assert second.body == b'{"b":2}' and seen["connections"] == 1
    request = seen["requests"][0]
    assert request.startswith(b"POST /graphql HTTP/1.1\r\n") and b"Authorization: Bearer x\r\n" in request
    assert request.endswith(b'\r\n\r\n{"q":1}') and b"Host: 127.0.0.1:%d" % port in request
    pool.close()
    server.close()


async def test_chunked_informational_and_split_answers():
    chunked = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4\r\n{\"a\"\r\n4;ext=1\r\n:12}\r\n0\r\nX-Trailer: t\r\n\r\n")
    server, port, seen = await canned([chunked, ok(b"{}")])
    pool = Http1Pool()
    answer = await pool.post("127.0.0.1", port, "/graphql", b"{}", {})
    assert (answer.status, answer.body) == (200, b'{"a":12}')
    assert (await pool.post("127.0.0.1", port, "/graphql", b"{}", {})).body == b"{}"
    assert seen["connections"] == 1  # a chunked answer leaves the connection reusable
    pool.close()
    server.close()


async def test_connection_close_and_a_body_until_close_are_not_reused():
    until_close = b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\nupstream down"
    server, port, seen = await canned([ok(b"{}", b"Connection: close\r\n"), until_close, ok(b"{}")])
    pool = Http1Pool()
    assert (await pool.post("127.0.0.1", port, "/", b"{}", {})).body == b"{}"
    answer = await pool.post("127.0.0.1", port, "/", b"{}", {})
    assert (answer.status, answer.body) == (502, b"upstream down")
    await pool.post("127.0.0.1", port, "/", b"{}", {})
    assert seen["connections"] == 3
    pool.close()
    server.close()


async def test_a_timed_out_exchange_drops_its_connection():
    server, port, seen = await canned([b"HANG", ok(b"{}")])
    pool = Http1Pool()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await pool.post("127.0.0.1", port, "/", b"{}", {})
    assert (await pool.post("127.0.0.1", port, "/", b"{}", {})).body == b"{}"
    assert seen["connections"] == 2  # the late answer to the first request can never be read as the second's
    pool.close()
    server.close()


async def test_garbage_a_closed_server_and_bad_headers_are_errors():
    server, port, _ = await canned([b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"])
    pool = Http1Pool()
    with pytest.raises(ProtocolError):
        await pool.post("127.0.0.1", port, "/", b"{}", {})
    with pytest.raises(ProtocolError):  # closed before the promised 10 bytes
        await pool.post("127.0.0.1", port, "/", b"{}", {})
    with pytest.raises(ValueError):
        await pool.post("127.0.0.1", port, "/", b"{}", {"X-Evil": "a\r\nInjected: yes"})
    server.close()
    await server.wait_closed()
    with pytest.raises(OSError):
        await pool.post("127.0.0.1", port, "/", b"{}", {})
    pool.close()


async def test_an_idle_connection_the_server_closed_is_not_used_again():
    server, port, seen = await canned([ok(b"{}", b"X: 1\r\n"), ok(b"{}")])
    pool = Http1Pool()
    await pool.post("127.0.0.1", port, "/", b"{}", {})
    for connections in pool._idle.values():
        for connection in connections:
            assert connection.transport is not None
            connection.transport.close()  # as a server's keep-alive timeout would
    await asyncio.sleep(0.05)
    assert (await pool.post("127.0.0.1", port, "/", b"{}", {})).body == b"{}"
    assert seen["connections"] == 2
    pool.close()
    server.close()
