"""Trusted documents: a manifest of the operations clients were built with, read once at start.

Two formats: Apollo's persisted query manifest
`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name", "type", "body"}]}`
and a plain `{"<id>": "<body>"}` map."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from router.config import ConfigError

APOLLO_FORMAT = "apollo-persisted-query-manifest"


class ManifestError(ConfigError):
    """The manifest file cannot be used; the router does not start (the message says why)."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class TrustedDocuments:
    """Bodies by id, and the hashes of every body so a full query text can be matched too."""

    by_id: dict[str, str] = field(default_factory=dict)
    body_hashes: set[str] = field(default_factory=set)

    def add(self, document_id: str, body: str) -> None:
        self.by_id[document_id] = body
        self.body_hashes.add(sha256_hex(body))

    def get(self, document_id: str) -> str | None:
        """By id as listed, or a GraphQL-over-HTTP `sha256:<hex>` id by its hex part."""
        body = self.by_id.get(document_id)
        if body is None and document_id.startswith("sha256:"):
            body = self.by_id.get(document_id.removeprefix("sha256:"))
        return body

    def holds(self, query: str) -> bool:
        return sha256_hex(query) in self.body_hashes


def parse_manifest(data: Any, where: str) -> TrustedDocuments:
    documents = TrustedDocuments()
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: a manifest is a JSON object, not {type(data).__name__}")
    if "format" in data:
        if data.get("format") != APOLLO_FORMAT or data.get("version") != 1:
            raise ManifestError(f"{where}: expected format {APOLLO_FORMAT!r} version 1, "
                                f"got {data.get('format')!r} version {data.get('version')!r}")
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"{where}: 'operations' must be a list")
        for index, operation in enumerate(operations):
            if not (isinstance(operation, dict) and isinstance(operation.get("id"), str)
                    and isinstance(operation.get("body"), str)):
                raise ManifestError(f"{where}: operations[{index}] needs string 'id' and 'body'")
            documents.add(operation["id"], operation["body"])
        return documents
    for document_id, body in data.items():
        if not isinstance(body, str):
            raise ManifestError(f"{where}: the body of {document_id!r} must be a string")
        documents.add(document_id, body)
    return documents


def load_manifest(path: Path) -> TrustedDocuments:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ManifestError(f"cannot read the persisted query manifest {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from None
    return parse_manifest(data, str(path))
