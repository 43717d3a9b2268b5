"""The persisted-document stage, before the document stage: a `documentId` or an
`extensions.persistedQuery` hash becomes query text, as Apollo clients (APQ) and the
GraphQL-over-HTTP persisted documents draft expect; the safelist refuses what the manifest lacks.

APQ: hash only → the stored query, or `PersistedQueryNotFound` (HTTP 200, so the client sends
the query); query + hash → the hash is checked, the query stored, then run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from router.config import PersistedQuerySettings, RouterSettings
from router.features.apq_store import ApqStore, MemoryApqStore, RedisApqStore
from router.features.metrics import cache_lookup
from router.features.trusted_documents import (
    TrustedDocuments,
    load_manifest,
    sha256_hex,
)
from router.pipeline import Caller, GraphQLRequest, RequestError, RouterRequest, Stage

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
BAD_REQUEST = "PERSISTED_QUERY_BAD_REQUEST"


class PersistedQueryError(RequestError):
    """A GraphQL response without `data`; `status` is 200 only where Apollo's clients expect it."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message, status=status, code=code)


def requested_hash(extensions: dict[str, Any]) -> str | None:
    """extensions.persistedQuery's sha256Hash (lower case), after checking its shape."""
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise PersistedQueryError("extensions.persistedQuery must be an object.", BAD_REQUEST)
    if persisted.get("version") != 1:
        raise PersistedQueryError(f"Unsupported persisted query version {persisted.get('version')!r}; "
                                  "only version 1 is supported.", BAD_REQUEST)
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not sha:
        raise PersistedQueryError("extensions.persistedQuery.sha256Hash must be a non-empty string.", BAD_REQUEST)
    return sha.lower()


@dataclass(frozen=True)
class Resolved:
    """The request with its query text, and the APQ hash to register once the document is
    known to be valid and within limits (None: nothing to register)."""

    request: GraphQLRequest
    register: str | None = None


@dataclass
class PersistedDocuments:
    settings: PersistedQuerySettings
    store: ApqStore
    manifest: TrustedDocuments | None

    @classmethod
    def from_settings(cls, settings: RouterSettings) -> PersistedDocuments:
        """Reads the manifest (ManifestError stops the start) and picks the APQ store."""
        own = settings.persisted_queries
        manifest = load_manifest(own.manifest) if own.manifest else None
        store: ApqStore
        if settings.redis.url:
            store = RedisApqStore(settings.redis.url, settings.redis.key_prefix, own.apq_ttl)
        else:
            store = MemoryApqStore(own.apq_cache_size)
        return cls(own, store, manifest)

    def safelisted(self, caller: Caller) -> bool:
        """Whether this caller may run only manifest documents."""
        if self.settings.safelist == "all":
            return True
        if self.settings.safelist == "off":
            return False
        client_id = caller.claims.client_id if caller.claims else None
        names = {caller.tier, caller.key, *([client_id] if client_id else [])}
        return any(name in names for name in self.settings.safelist_clients)

    async def resolve(self, request: GraphQLRequest, caller: Caller) -> Resolved:
        """The request with its query text; PersistedQueryError when there is none to run."""
        sha = requested_hash(request.extensions)
        if request.document_id is not None:
            return Resolved(self._document(request, request.document_id))
        if request.query:
            return self._free_form(request, sha, caller)
        assert sha is not None  # parse_params let a request without query through only with one
        body = self.manifest.get(sha) if self.manifest else None
        if body is not None:
            return Resolved(dataclasses.replace(request, query=body))
        if self.safelisted(caller):
            raise PersistedQueryError("This operation is not in the persisted query list; "
                                      "this client may run only listed operations.", NOT_IN_LIST)
        if not self.settings.apq_enabled:
            raise PersistedQueryError("PersistedQueryNotSupported", NOT_SUPPORTED)
        body = await self.store.get(sha)
        cache_lookup("apq", body is not None)
        if body is None:
            raise PersistedQueryError("PersistedQueryNotFound", NOT_FOUND, status=200)
        return Resolved(dataclasses.replace(request, query=body))

    def _document(self, request: GraphQLRequest, document_id: str) -> GraphQLRequest:
        body = self.manifest.get(document_id) if self.manifest else None
        if body is None:
            raise PersistedQueryError(f"No persisted document has the id {document_id!r}.", NOT_FOUND)
        return dataclasses.replace(request, query=body)

    def _free_form(self, request: GraphQLRequest, sha: str | None, caller: Caller) -> Resolved:
        if sha is not None and sha256_hex(request.query) != sha:
            raise PersistedQueryError("provided sha does not match query", HASH_MISMATCH)
        if self.safelisted(caller) and not (self.manifest and self.manifest.holds(request.query)):
            raise PersistedQueryError("This operation is not in the persisted query list; "
                                      "this client may run only listed operations.", NOT_IN_LIST)
        return Resolved(request, sha if self.settings.apq_enabled else None)

    async def register(self, sha: str, query: str) -> None:
        """Store an APQ query: called after the document stage and the limits accepted it."""
        await self.store.put(sha, query)

    async def close(self) -> None:
        await self.store.close()


def persisted_stage(documents: PersistedDocuments) -> Stage:
    """Before the document stage: the request's query text from APQ or the trusted documents."""

    async def persisted(request: RouterRequest) -> None:
        resolved = await documents.resolve(request.graphql, request.caller)
        request.graphql = resolved.request
        request.apq_hash = resolved.register

    return Stage("persisted", persisted)


def register_stage(documents: PersistedDocuments) -> Stage:
    """After the limits: an APQ query is stored only once it proved valid and within limits."""

    async def register(request: RouterRequest) -> None:
        if request.apq_hash is not None:
            await documents.register(request.apq_hash, request.graphql.query)

    return Stage("persisted register", register)
