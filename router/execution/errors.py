"""What clients see of subgraph errors, modeled on Apollo Router's `include_subgraph_errors`.

A subgraph's message can hold anything: internal URLs, SQL, a peer's connection error. By default
only errors whose `extensions.code` is on an allow-list (the client's mistakes and our domain
answers) pass with their message; any other becomes a generic error, and the router's log keeps
the original with the service and the request id the client's error carries."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from router.execution.client import SubgraphError

log = logging.getLogger("graft.execution")

Path = list[str | int]
MASKED_MESSAGE = "Internal server error"
MASKED_CODE = "INTERNAL_SERVER_ERROR"
FETCH_FAILED_CODE = "SUBREQUEST_HTTP_ERROR"
DEBUG_EXTENSIONS = frozenset({"exception", "stacktrace", "serviceName"})  # never passed by the allow-list


@dataclass(frozen=True)
class SubgraphErrorPolicy:
    """`include_all`/`include` (per subgraph, over all): errors pass as sent. `allowed_codes`: errors
    with these codes pass (message, code and non-debug extensions) whatever `include` says.
    `service_name`: add `extensions.serviceName`. The default shows nothing else."""

    include_all: bool = False
    include: Mapping[str, bool] = field(default_factory=dict)
    allowed_codes: frozenset[str] = frozenset()
    service_name: bool = False

    @classmethod
    def everything(cls) -> SubgraphErrorPolicy:
        """dev_mode: every error as sent, with its service."""
        return cls(include_all=True, service_name=True)

    def includes(self, service: str) -> bool:
        return self.include.get(service, self.include_all)


def subgraph_error(error: Mapping[str, Any], service: str, path: Path | None, policy: SubgraphErrorPolicy,
                   request: str) -> dict[str, Any]:
    """A GraphQL error a subgraph sent, as this client may see it."""
    sent = error.get("extensions")
    extensions = dict(sent) if isinstance(sent, Mapping) else {}
    code = extensions.get("code")
    if policy.includes(service):
        message = error.get("message", "Subgraph error")
        log.info("subgraph %s error (request %s, code %s, path %s): %s", service, request, code, path, message)
    elif isinstance(code, str) and code in policy.allowed_codes:  # an answer (a declined card): no alarm
        message = error.get("message", "Subgraph error")
        extensions = {k: v for k, v in extensions.items() if k not in DEBUG_EXTENSIONS}
        log.info("subgraph %s error (request %s, code %s, path %s): %s", service, request, code, path, message)
    else:
        log.warning("subgraph %s error withheld from the client (request %s, code %s, path %s): %s",
                    service, request, code, path, error.get("message"))
        message, extensions = MASKED_MESSAGE, {"code": MASKED_CODE, "requestId": request}
    return _entry(message, path, extensions, service, policy)


def fetch_error(exc: SubgraphError, service: str, path: Path | None, policy: SubgraphErrorPolicy,
                request: str) -> dict[str, Any]:
    """A subgraph that could not answer: unreachable, timed out, busy or not GraphQL. Without
    `include`, the client learns which of these, not the subgraph's name or URL."""
    extensions: dict[str, Any] = {"code": FETCH_FAILED_CODE}
    if policy.includes(service):
        message = str(exc)
    else:
        cause = f" ({exc.__cause__!r})" if exc.__cause__ is not None else ""
        log.warning("subgraph %s fetch failed (request %s): %s%s", service, request, exc, cause)
        message, extensions["requestId"] = exc.public_message, request
    return _entry(message, path, extensions, service, policy)


def _entry(message: Any, path: Path | None, extensions: dict[str, Any], service: str,
           policy: SubgraphErrorPolicy) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message}
    if path:
        out["path"] = path
    if policy.service_name:
        extensions.setdefault("serviceName", service)
    if extensions:
        out["extensions"] = extensions
    return out
