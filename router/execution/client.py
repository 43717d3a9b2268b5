"""HTTP to the subgraphs: one keep-alive aiohttp pool, a timeout and a concurrency cap per
subgraph, orjson."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import orjson
from yarl import URL


UNAVAILABLE = "Subgraph unavailable"
TIMED_OUT = "Subgraph timed out"
BUSY = "Subgraph busy"
INVALID_RESPONSE = "Subgraph sent an invalid response"
DEADLINE_HEADER = "X-Graft-Deadline-Ms"  # milliseconds the request has left, to the router and from it


class SubgraphError(Exception):
    """A subgraph could not answer (unreachable, timed out, busy, not GraphQL). The message names
    the subgraph, for the log; `public_message` says only which of these, for any client."""

    def __init__(self, message: str, public_message: str = UNAVAILABLE, *, sent: bool = True) -> None:
        super().__init__(message)
        self.public_message = public_message
        self.sent = sent  # False: never reached the subgraph (our queue, the deadline), so no sign of its health


@dataclass(frozen=True)
class SubgraphResponse:
    """A parsed answer with what caches need from its HTTP envelope."""

    result: dict[str, Any]
    status: int
    cache_control: str | None


EntityFields = tuple[tuple[str, str], ...]  # per `_entities` field: response key, representations variable


@dataclass(frozen=True)
class SubgraphRequest:
    """One GraphQL request to one subgraph. `entity_fields` names the `_entities` fields it holds
    (none for a root fetch), so a layer in front of the client can answer some from a cache."""

    service: str
    query: str
    variables: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    dedupe: bool = False  # share an identical request already in flight (queries only)
    entity_fields: EntityFields = ()
    deadline: float | None = None  # time.monotonic() by which the client's request must be answered
    retryable: bool = False  # reads only (queries, entity fetches): safe to send again
    # the caller never writes into the answer, so callers of one de-duplicated fetch get one parse
    shared_answer: bool = False


class Subgraphs(Protocol):
    """How the executor reaches subgraphs: the pooled client, or a layer wrapped around it."""

    async def send(self, request: SubgraphRequest) -> SubgraphResponse: ...


@dataclass
class SubgraphClient:
    urls: dict[str, str]  # subgraph name → URL
    timeouts: dict[str, float] = field(default_factory=dict)
    default_timeout: float = 30.0
    max_concurrency: dict[str, int] = field(default_factory=dict)  # subgraph name → requests in flight
    default_max_concurrency: int = 64
    queue_timeout: float = 5.0  # seconds to wait for a free slot
    _gates: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = None
    _in_flight: dict[bytes, asyncio.Future[Received]] = field(default_factory=dict)
    _parsed: dict[str, URL] = field(default_factory=dict)
    deduplicated: int = 0  # requests answered by a fetch already in flight
    deduplicate: bool = True  # off (traffic.deduplicate): every request is sent, `dedupe` or not

    def session(self) -> aiohttp.ClientSession:
        """One pool for every caller, so no cookie jar: a cookie a subgraph set while answering one
        client would go out with the next client's requests."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=256, limit_per_host=128, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                                  json_serialize=lambda o: orjson.dumps(o).decode())
        return self._session

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        """With `dedupe`, an identical request already in flight (same subgraph, query, variables
        and headers, so never across callers) is shared."""
        body = orjson.dumps({"query": request.query, "variables": request.variables})
        service, headers, deadline = request.service, request.headers, request.deadline
        if not (request.dedupe and self.deduplicate):
            return _parse(service, *await self._post(service, body, headers, deadline))
        key = b"\0".join((service.encode(), body, orjson.dumps(sorted(headers.items()))))
        pending = self._in_flight.get(key)
        if pending is None:
            pending = self._in_flight[key] = asyncio.ensure_future(self._received(service, body, headers, deadline))
            pending.add_done_callback(lambda _: self._in_flight.pop(key, None))
        else:
            self.deduplicated += 1
        return (await asyncio.shield(pending)).response(service, request.shared_answer)

    async def _received(self, service: str, body: bytes, headers: dict[str, str] | None,
                        deadline: float | None) -> Received:
        return Received(*await self._post(service, body, headers, deadline))

    async def _post(self, service: str, body: bytes, headers: dict[str, str] | None,
                    deadline: float | None = None) -> tuple[int, bytes, str | None]:
        url = self._url(service)
        request_headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        gate, left = self._gate(service), _left(service, deadline)  # past the deadline nothing is sent
        if not gate.locked():
            await gate.acquire()  # a free slot, taken at once: no timer (6 µs a fetch)
        else:  # at the cap: wait for a slot, within the queue timeout and the deadline
            try:
                async with asyncio.timeout(min(self.queue_timeout, left)):
                    await gate.acquire()
            except TimeoutError:
                raise SubgraphError(f"Subgraph '{service}' is busy", BUSY, sent=False) from None
        try:
            left = _left(service, deadline)  # the subgraph gets what the client's request has left
            timeout = aiohttp.ClientTimeout(total=min(self.timeouts.get(service, self.default_timeout), left))
            if deadline is not None:
                request_headers[DEADLINE_HEADER] = str(int(left * 1000))
            async with self.session().post(url, data=body, headers=request_headers, timeout=timeout) as resp:
                return resp.status, await resp.read(), resp.headers.get("Cache-Control")
        except TimeoutError as exc:
            raise SubgraphError(f"Subgraph '{service}' timed out", TIMED_OUT) from exc
        except aiohttp.ClientError as exc:
            raise SubgraphError(f"Subgraph '{service}' is unreachable: {exc.__class__.__name__}",
                                UNAVAILABLE) from exc
        finally:
            gate.release()

    def _url(self, service: str) -> URL:
        """Parsed once per subgraph, not on every request."""
        url = self._parsed.get(service)
        if url is None:
            url = self._parsed[service] = URL(self.urls[service])
        return url

    def _gate(self, service: str) -> asyncio.Semaphore:
        """At most max_concurrency requests in flight to one subgraph, so a slow one cannot take
        every pooled connection from the others."""
        gate = self._gates.get(service)
        if gate is None:
            cap = self.max_concurrency.get(service, self.default_max_concurrency)
            gate = self._gates[service] = asyncio.Semaphore(cap)
        return gate

    async def reachable(self, service: str, timeout: float = 1.0) -> bool:
        """Whether the subgraph's host accepts a TCP connection (for /ready; no request is sent)."""
        url = URL(self.urls[service])
        try:
            async with asyncio.timeout(timeout):
                _, writer = await asyncio.open_connection(url.host, url.port)
        except (OSError, TimeoutError):
            return False
        writer.close()
        return True

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


@dataclass
class Received:
    """A de-duplicated fetch's answer as it came: parsed once for all the callers that take a shared
    answer, else once per caller."""

    status: int
    raw: bytes
    cache_control: str | None
    parsed: SubgraphResponse | None = None

    def response(self, service: str, shared: bool) -> SubgraphResponse:
        if not shared:
            return _parse(service, self.status, self.raw, self.cache_control)
        if self.parsed is None:
            self.parsed = _parse(service, self.status, self.raw, self.cache_control)
        return self.parsed


def _left(service: str, deadline: float | None) -> float:
    """Seconds until the request's deadline (unbounded without one); past it, the fetch times out
    before it is sent."""
    if deadline is None:
        return float("inf")
    left = deadline - time.monotonic()
    if left <= 0.001:
        raise SubgraphError(f"Subgraph '{service}' not asked: the request's deadline has passed", TIMED_OUT,
                            sent=False)
    return left


def _parse(service: str, status: int, raw: bytes, cache_control: str | None) -> SubgraphResponse:
    try:
        result = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SubgraphError(f"Subgraph '{service}' answered HTTP {status} without a GraphQL response",
                            INVALID_RESPONSE) from None
    if not isinstance(result, dict) or ("data" not in result and "errors" not in result):
        raise SubgraphError(f"Subgraph '{service}' answered HTTP {status} without a GraphQL response",
                            INVALID_RESPONSE)
    return SubgraphResponse(result, status, cache_control)
