"""The values one request carries through the stages, from the HTTP-level GraphQL request to the
response. Each stage reads the slots earlier stages filled and fills its own."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, OperationType
from graphql.execution.values import VariableValues

from router.execution.executor import ExecutionState
from router.pipeline.caller import Caller
from router.planning.plan import QueryPlan

Method = Literal["GET", "POST"]
T = TypeVar("T")


def text_hash(text: str | bytes) -> str:
    """SHA-256 (hex) of a document's text, computed once by the document stage."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()
REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id(given: str | None = None) -> str:
    """A well-formed incoming X-Request-Id (so a proxy's id joins the logs up), else a new one."""
    if given and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


@dataclass(frozen=True)
class GraphQLRequest:
    """A well-formed GraphQL-over-HTTP request's parameters."""

    query: str
    operation_name: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)
    method: Method = "POST"
    document_id: str | None = None  # a persisted document's id; `query` is "" until it is resolved


class RequestError(Exception):
    """A refusal before execution: a GraphQL response with `errors` and no `data`.

    `status` None means the GraphQL-over-HTTP status for a request error in the negotiated media
    type (200 for application/json, 400 for application/graphql-response+json)."""

    def __init__(self, message: str, status: int | None = 400, headers: Mapping[str, str] | None = None,
                 code: str | None = None, *, extensions: Mapping[str, Any] | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = dict(headers or {})
        self.code = code  # extensions.code of the GraphQL error, when there is one
        extra = {**({"code": code} if code else {}), **(extensions or {})}
        self.errors = errors if errors is not None else [{"message": message, **({"extensions": extra} if extra else {})}]

    @property
    def body(self) -> dict[str, Any]:
        return {"errors": self.errors}


class DocumentError(RequestError):
    """The document does not parse, is invalid, or names no single operation: GraphQL request
    errors, answered before any execution. `code` goes into each error without one."""

    def __init__(self, errors: list[GraphQLError], code: str | None = None) -> None:
        coded = [_with_code(error, code) for error in errors] if code else errors
        super().__init__("; ".join(e.message for e in coded), status=None,
                         errors=[dict(e.formatted) for e in coded])
        self.graphql_errors = coded


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path,
                        error.original_error, {**(error.extensions or {}), "code": code})


@dataclass(frozen=True)
class PreparedOperation:
    """One operation chosen from a valid document, with its variables coerced (graphql-core's
    own form, which its directive and argument helpers take)."""

    document: DocumentNode
    operation: OperationDefinitionNode
    document_hash: str  # SHA-256 of the document text: the key of every per-document cache
    variable_values: VariableValues = VariableValues({}, {})
    tokens: int | None = None  # lexer tokens of the whole document, when the document stage counted them

    @property
    def variables(self) -> dict[str, Any]:
        """The coerced values, defaults applied."""
        return self.variable_values.coerced

    @property
    def operation_type(self) -> OperationType:
        return self.operation.operation

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


@dataclass(frozen=True)
class Denials:
    """The operation's fields this caller may not see: id(FieldNode) → error message. `failed`
    holds a stable key per failed requirement: with the document it decides the pruned operation,
    so it is part of the plan cache key."""

    messages: dict[int, str]
    failed: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.messages)


@dataclass
class GraphQLResponse:
    """An executed operation's response (it always has `data`, perhaps null)."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    # @defer with a client that takes multipart: the payloads after this one, made as they are read
    subsequent: AsyncGenerator[dict[str, Any], None] | None = None

    def formatted(self) -> dict[str, Any]:
        result: dict[str, Any] = {"data": self.data}
        if self.errors:
            result["errors"] = self.errors
        if self.extensions:
            result["extensions"] = self.extensions
        return result


@dataclass
class RouterRequest:
    """One request as it moves through the stages; each stage fills its own slot."""

    graphql: GraphQLRequest
    headers: Mapping[str, str] = field(default_factory=dict)
    remote: str | None = None  # the socket peer's address
    include_plan: bool = False
    incremental: bool = False  # the client takes multipart/mixed incremental delivery (@defer)
    request_id: str = field(default_factory=request_id)  # in held-back errors, logs and X-Request-Id
    caller: Caller = field(default_factory=lambda: Caller(None, "unknown"))
    apq_hash: str | None = None  # an APQ query to store once it proved valid and within limits
    operation: PreparedOperation | None = None
    denials: Denials | None = None
    plan: QueryPlan | None = None
    execution: ExecutionState | None = None
    response: GraphQLResponse | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    deadline: float | None = None  # time.monotonic() by which it must be answered (traffic.timeout)

    def prepared(self) -> PreparedOperation:
        return _filled(self.operation, "operation", "document")

    def planned(self) -> QueryPlan:
        return _filled(self.plan, "plan", "plan")

    def executed(self) -> ExecutionState:
        return _filled(self.execution, "execution", "execute")


class StageOrderError(RuntimeError):
    """A stage ran before the stage that fills its input: the stage list is wrong."""


def _filled(value: T | None, slot: str, stage: str) -> T:
    if value is None:
        raise StageOrderError(f"request.{slot} is empty: the {stage} stage must run first")
    return value
