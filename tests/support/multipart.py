"""Our own reader of multipart/mixed incremental delivery (RFC 2046 framing, boundary from the
Content-Type): parts are handed out as soon as the delimiter after them has arrived."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field


def boundary_of(content_type: str) -> str:
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    assert found, f"no boundary in {content_type!r}"
    return found.group(1)


@dataclass
class MultipartReader:
    """feed(bytes) → the JSON parts completed by them; `closed` once the close delimiter arrived."""

    boundary: str
    buffer: bytes = b""
    started: bool = False
    closed: bool = False
    headers: list[dict[str, str]] = field(default_factory=list)

    def feed(self, chunk: bytes) -> list[dict]:
        self.buffer += chunk
        delimiter = b"\r\n--" + self.boundary.encode()
        parts: list[dict] = []
        if not self.started:
            if not self.buffer.startswith(delimiter):
                assert len(self.buffer) < len(delimiter), f"body does not open with the delimiter: {self.buffer[:40]!r}"
                return parts
            self.buffer, self.started = self.buffer[len(delimiter):], True
        while not self.closed:
            if self.buffer.startswith(b"--"):
                assert self.buffer[2:] in (b"", b"\r\n"), f"bytes after the close delimiter: {self.buffer!r}"
                self.closed = True
                break
            end = self.buffer.find(delimiter)
            if end < 0:
                break
            parts.append(self._part(self.buffer[:end]))
            self.buffer = self.buffer[end + len(delimiter):]
        return parts

    def _part(self, raw: bytes) -> dict:
        assert raw.startswith(b"\r\n"), f"a delimiter must end its line: {raw[:20]!r}"
        head, sep, body = raw[2:].partition(b"\r\n\r\n")
        assert sep, f"a part without headers: {raw!r}"
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        self.headers.append({k.lower(): v for k, v in headers.items()})
        return json.loads(body)
