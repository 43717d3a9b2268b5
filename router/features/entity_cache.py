"""`_entities` results cached per subgraph, type, representation and selection, for as long as
the subgraph's Cache-Control allows; only the misses of a fetch go to the subgraph.

- `public` answers are shared by every caller; `private` ones are kept only under the caller's
  identity (a hash of the forwarded Authorization header), and not at all for a caller without
  one. No header, `no-store`, `no-cache`, an HTTP status other than 200: not cached.
- An entity with an error at its path, or any error without one, is not cached.
- Invalidation across routers: a subgraph that changes an entity sets a version key per key
  field (`<prefix>entity-version:<Type>:<field>=<value>`, see `version_key`); every cache key
  holds the versions current when the entity was fetched, so a changed entity is never found
  again. In process (no Redis) there are no versions: entries live until their TTL.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

import orjson
import redis.asyncio as aioredis

from auth.redis_guard import RedisGuard
from router.execution.client import EntityFields, SubgraphRequest, SubgraphResponse, Subgraphs
from router.features.metrics import cache_lookup

Entry = tuple[str, bytes, int]  # key, value, seconds to live


def version_key(prefix: str, typename: str, field: str, value: Any) -> str:
    """The catalog writes the same names (subgraphs/catalog/cache.py); a test checks they agree."""
    return f"{prefix}entity-version:{typename}:{field}={value}"


@dataclass(frozen=True)
class Storable:
    """How a subgraph answer may be kept: shared or per caller, and for how long."""

    private: bool
    ttl: int


def storable(cache_control: str | None, *, has_caller: bool, default_ttl: int, max_ttl: int) -> Storable | None:
    """RFC 9111 as a shared cache reads it; without public or private, an answer to a request
    with credentials is kept per caller only."""
    directives: dict[str, str | None] = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"') or None
    if not directives or "no-store" in directives or "no-cache" in directives:
        return None
    private = "private" in directives or ("public" not in directives and has_caller)
    if private and not has_caller:
        return None
    ttl = _seconds(directives.get("max-age"))
    if not private and "s-maxage" in directives:
        ttl = _seconds(directives.get("s-maxage"))
    ttl = min(default_ttl if ttl is None else ttl, max_ttl)
    return Storable(private, ttl) if ttl > 0 else None


def _seconds(value: str | None) -> int | None:
    try:
        return max(int(value), 0) if value is not None else None
    except ValueError:
        return 0  # a malformed max-age means stale (RFC 9111 §4.2.1)


class EntityStore(Protocol):
    async def get_many(self, keys: list[str]) -> list[bytes | None] | None:
        """None when the store cannot answer now."""

    async def put_many(self, entries: list[Entry]) -> None: ...

    async def close(self) -> None: ...


class LocalStore:
    """Bounded LRU in process; an entry past its TTL is a miss."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        now, out = time.monotonic(), []
        for key in keys:
            entry = self.entries.get(key)
            if entry is not None and entry[0] <= now:
                del self.entries[key]
                entry = None
            if entry is not None:
                self.entries.move_to_end(key)
            out.append(entry[1] if entry else None)
        return out

    async def put_many(self, entries: list[Entry]) -> None:
        now = time.monotonic()
        for key, value, ttl in entries:
            self.entries[key] = (now + ttl, value)
            self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    async def close(self) -> None:
        self.entries.clear()


class RedisStore:
    """Shared by every router; Redis errors are misses (RedisGuard)."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self.guard = RedisGuard("entity cache")

    async def get_many(self, keys: list[str]) -> list[bytes | None] | None:
        if not keys:
            return []
        found = await self.guard.call(lambda: self.redis.mget(keys), None)
        return None if found is None else [value if isinstance(value, bytes) else None for value in found]

    async def put_many(self, entries: list[Entry]) -> None:
        async def write() -> None:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key, value, ttl in entries:
                    pipe.set(key, value, ex=ttl)
                await pipe.execute()

        if entries:
            await self.guard.call(write, None)

    async def close(self) -> None:
        pass  # the connection pool belongs to whoever made the client


class EntityCache:
    """Wraps the subgraph client: entity fetches are answered from the store where it can, and
    only the misses are sent; every other request passes straight through."""

    def __init__(self, subgraphs: Subgraphs, store: EntityStore, prefix: str, *, default_ttl: int, max_ttl: int,
                 versioned: bool) -> None:
        self.subgraphs = subgraphs
        self.store = store
        self.prefix = prefix
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl
        self.versioned = versioned  # versions live in Redis; in process there are none

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        if not request.entity_fields:
            return await self.subgraphs.send(request)
        return await self._entities(request, request.entity_fields)

    async def _entities(self, request: SubgraphRequest, fields: EntityFields) -> SubgraphResponse:
        """The subgraph's answer as if every representation had been sent. `fields` names each
        `_entities` field of the request and its representations variable (several in a batch)."""
        caller = _caller(request.headers)
        lists: list[list[dict]] = [request.variables[variable] for _, variable in fields]
        keys = await self._keys(request, fields, lists, caller)
        found = await self.store.get_many([k for per in keys for pair in per for k in pair if k]) if keys else None
        values = iter(found or ())
        cached = [_cached(per, values) if found is not None else {} for per in keys] if keys else [{} for _ in fields]
        for representations, hits in zip(lists, cached):
            for index in range(len(representations)):
                cache_lookup("entity", index in hits)
        misses = [[i for i in range(len(reps)) if i not in hits] for reps, hits in zip(lists, cached)]
        if not any(misses):
            data = {alias: [hits[i] for i in range(len(reps))] for (alias, _), reps, hits in zip(fields, lists, cached)}
            return SubgraphResponse({"data": data}, 200, None)
        sent = {**request.variables, **{variable: [reps[i] for i in missed]
                                        for (_, variable), reps, missed in zip(fields, lists, misses)}}
        response = await self.subgraphs.send(replace(request, variables=sent))
        if keys:  # without versions (Redis failing) nothing is stored: it could not be invalidated
            await self._store(response, fields, [[per[i] for i in missed] for per, missed in zip(keys, misses)],
                              caller is not None)
        return replace(response, result=_merged(fields, lists, cached, misses, response.result))

    async def _keys(self, request: SubgraphRequest, fields: EntityFields, lists: list[list[dict]],
                    caller: str | None) -> list[list[tuple[str, str | None]]] | None:
        """Per field, per representation: its public key and, for a caller with credentials, its
        private one; None when the versions cannot be read."""
        sent_as_representations = {variable for _, variable in fields}
        others = orjson.dumps({k: v for k, v in request.variables.items() if k not in sent_as_representations},
                              option=orjson.OPT_SORT_KEYS)
        versions = await self._versions([rep for reps in lists for rep in reps])
        if versions is None:
            return None
        version = iter(versions)
        keys = []
        for (alias, _), representations in zip(fields, lists):
            selection = _digest(request.service.encode(), request.query.encode(), alias.encode(), others)
            per = []
            for rep in representations:
                entity = _digest(selection.encode(), orjson.dumps(rep, option=orjson.OPT_SORT_KEYS), next(version))
                base = f"{self.prefix}entity:{request.service}:{rep.get('__typename')}"
                per.append((f"{base}:public:{entity}", f"{base}:private:{caller}:{entity}" if caller else None))
            keys.append(per)
        return keys

    async def _versions(self, representations: list[dict]) -> list[bytes] | None:
        if not self.versioned:
            return [b""] * len(representations)
        names = [_version_keys(self.prefix, rep) for rep in representations]
        values = await self.store.get_many([n for group in names for n in group])
        if values is None:
            return None
        out, at = [], 0
        for group in names:
            out.append(b"|".join(v or b"0" for v in values[at:at + len(group)]))
            at += len(group)
        return out

    async def _store(self, response: SubgraphResponse, fields: EntityFields, keys: list[list[tuple[str, str | None]]],
                     has_caller: bool) -> None:
        how = storable(response.cache_control, has_caller=has_caller, default_ttl=self.default_ttl,
                       max_ttl=self.max_ttl)
        data = response.result.get("data")
        if how is None or response.status != 200 or not isinstance(data, dict):
            return
        failed = _failed_indexes(response.result.get("errors") or (), {alias for alias, _ in fields})
        if failed is None:
            return
        entries = []
        for (alias, _), per in zip(fields, keys):
            entities = data.get(alias)
            for index, (entity, (public, private)) in enumerate(zip(entities if isinstance(entities, list) else (), per)):
                key = private if how.private else public
                if key is not None and isinstance(entity, dict) and (alias, index) not in failed:
                    entries.append((key, orjson.dumps(entity), how.ttl))
        await self.store.put_many(entries)

    async def close(self) -> None:
        await self.store.close()


def _caller(headers: dict[str, str]) -> str | None:
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    return hashlib.sha256(authorization.encode()).hexdigest()[:32] if authorization else None


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _version_keys(prefix: str, rep: dict) -> list[str]:
    """One version per top-level scalar field of the representation (the key fields)."""
    typename = str(rep.get("__typename"))
    return [version_key(prefix, typename, field, value) for field, value in sorted(rep.items())
            if field != "__typename" and isinstance(value, (str, int, float))]


def _cached(keys: list[tuple[str, str | None]], values: Iterator[bytes | None]) -> dict[int, dict]:
    """Index → entity, a private entry before a public one; `values` answer the keys in order."""
    cached: dict[int, dict] = {}
    for index, (_, private) in enumerate(keys):
        public_value = next(values)
        private_value = next(values) if private else None
        value = private_value or public_value
        if value is not None:
            cached[index] = orjson.loads(value)
    return cached


def _entity_path(error: Any, aliases: set[str]) -> tuple[str, int] | None:
    path = error.get("path") if isinstance(error, dict) else None
    if isinstance(path, list) and len(path) >= 2 and path[0] in aliases and isinstance(path[1], int):
        return path[0], path[1]
    return None


def _failed_indexes(errors: Any, aliases: set[str]) -> set[tuple[str, int]] | None:
    """Entities with an error at their path; None when some error names no entity."""
    failed = set()
    for error in errors:
        at = _entity_path(error, aliases)
        if at is None:
            return None
        failed.add(at)
    return failed


def _merged(fields: EntityFields, lists: list[list[dict]], cached: list[dict[int, dict]], misses: list[list[int]],
            result: dict[str, Any]) -> dict[str, Any]:
    """Cached and fresh entities in the order of the representations; error paths re-indexed."""
    found = result.get("data")
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    out: dict[str, Any] = {"data": {}}
    sent: dict[str, list[int]] = {}
    for (alias, _), representations, hits, missed in zip(fields, lists, cached, misses):
        fresh = data.get(alias)
        by_index = dict(zip(missed, fresh if isinstance(fresh, list) else []))
        out["data"][alias] = [hits[i] if i in hits else by_index.get(i) for i in range(len(representations))]
        sent[alias] = missed
    errors = []
    for error in result.get("errors") or ():
        at = _entity_path(error, set(sent))
        if at is not None and at[1] < len(sent[at[0]]):
            error = {**error, "path": [at[0], sent[at[0]][at[1]], *error["path"][2:]]}
        errors.append(error)
    if errors:
        out["errors"] = errors
    return out
