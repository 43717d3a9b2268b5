"""Router settings: router.yaml, then `GRAFT_*` environment variables on top, validated at start.

Environment names use `__` between levels: `GRAFT_LISTEN__PORT=4001`,
`GRAFT_SUBGRAPHS__CATALOG__URL=http://...`. Command-line flags win over both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, InitSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


class ConfigError(Exception):
    """router.yaml or the environment holds something the router cannot run with."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListenSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(4000, ge=0, le=65535)


class SupergraphSettings(_Section):
    path: Path | None = None
    watch: bool = Field(True, description="Reload when the file changes.")
    poll_interval: float = Field(1.0, gt=0, description="Seconds between checks of the file.")


class CircuitBreakerSettings(_Section):
    """Per subgraph: a failure ratio over a rolling window opens the circuit; while it is open,
    fetches fail at once instead of each paying a connect error or a timeout."""

    enabled: bool = True
    window: float = Field(10.0, gt=0, description="Seconds of fetches the failure ratio is computed over.")
    min_requests: int = Field(20, ge=1, description="Fetches the window must hold before it may open.")
    failure_ratio: float = Field(0.5, gt=0, le=1, description="Failed fetches / fetches that opens it.")
    open_seconds: float = Field(5.0, gt=0, description="Seconds it stays open before half-open probes.")
    half_open_probes: int = Field(3, ge=1, description="Fetches let through at once while half-open; one "
                                  "success closes the circuit, one failure opens it again.")


class SubgraphSettings(_Section):
    url: HttpUrl | None = Field(None, description="Replaces the URL the supergraph names.")
    timeout: float = Field(30.0, gt=0, description="Seconds allowed for one subgraph request.")
    max_concurrency: int | None = Field(None, ge=1, description="Requests in flight to this subgraph at once; "
                                        "unset: subgraph_defaults.max_concurrency.")
    circuit_breaker: CircuitBreakerSettings | None = Field(None, description="Unset: "
                                                           "subgraph_defaults.circuit_breaker.")


class SubgraphDefaults(_Section):
    max_concurrency: int = Field(64, ge=1, description="Requests in flight to one subgraph at once.")
    queue_timeout: float = Field(5.0, gt=0, description="Seconds a request waits for a free slot before the "
                                 "fetch fails with \"Subgraph 'x' is busy\".")
    circuit_breaker: CircuitBreakerSettings = Field(default_factory=CircuitBreakerSettings)


class RetrySettings(_Section):
    """Retries of failed fetches (unreachable, timed out, 5xx) for queries only, never mutations,
    within a budget per subgraph so that retries cannot multiply the load on a struggling one."""

    enabled: bool = True
    max_retries: int = Field(2, ge=0, description="Further attempts after the first.")
    backoff_base: float = Field(0.05, gt=0, description="Seconds before the first retry, doubling each time, "
                                "with full jitter; never past the request's deadline.")
    backoff_max: float = Field(1.0, gt=0, description="Longest wait between attempts.")
    retry_percent: float = Field(0.2, ge=0, le=1, description="Retries allowed as a share of requests in the "
                                 "budget window (Apollo Router's retry_percent).")
    min_per_sec: float = Field(10.0, ge=0, description="Retries per second allowed whatever the traffic.")
    budget_window: float = Field(10.0, gt=0, description="Seconds the budget counts requests and retries over.")


class TrafficSettings(_Section):
    retries: RetrySettings = Field(default_factory=RetrySettings)
    timeout: float = Field(30.0, gt=0, description="Seconds one client request may take in all; an incoming "
                           "X-Graft-Deadline-Ms may shorten it, never lengthen it. Each subgraph fetch gets what "
                           "is left (within its own timeout) and the same header.")
    deduplicate: bool = Field(True, description="Share an identical subgraph query already in flight (same "
                              "subgraph, query, variables and forwarded headers) instead of sending it again.")


class DrainSettings(_Section):
    grace_seconds: float = Field(15.0, ge=0, description="On SIGTERM: seconds requests in flight get to finish "
                                 "after the router stops accepting connections.")


class LimitSettings(_Section):
    """HTTP and document ceilings, the same for every caller (the per-tier ones are operation_limits)."""

    max_body_bytes: int = Field(2_000_000, gt=0, description="Larger request bodies get 413.")
    max_header_bytes: int = Field(8190, ge=1024, le=1_000_000, description="Longest request line or header "
                                  "field; longer gets 431 (a JSON GraphQL error).")
    max_document_bytes: int = Field(100_000, gt=0, description="Bytes of GraphQL document text (UTF-8), "
                                    "checked before it is lexed; the body may be larger (variables).")
    max_document_tokens: int = Field(15_000, gt=0, description="Lexer tokens, counted before parsing (the "
                                     "lexer stops there); a ceiling over every tier's operation_limits.max_tokens.")
    max_document_fields: int = Field(5_000, gt=0, description="Fields with every fragment expanded where it is "
                                     "spread, counted before validation.")
    max_field_merges: int = Field(1_000, ge=0, description="Pairs of fields under one response name that "
                                  "validation would compare (Field Selection Merging), counted before it runs.")
    document_cache_size: int = Field(1_000, ge=1, description="Validated documents kept per supergraph (LRU).")
    document_cache_bytes: int = Field(32_000_000, ge=1, description="Estimated memory those documents may hold "
                                      "(text plus parsed form).")


class MetricsSettings(_Section):
    """Where GET /metrics is served, and who may read it. Default: the main port, open to anyone
    (fine for `make run`); in production give it its own address, a token, or both."""

    listen: str | None = Field(None, description='"host:port": /metrics served only there, not on the main '
                                                 "port.")
    token_file: Path | None = Field(None, description="File holding the bearer token /metrics requires.")
    token_env: str | None = Field(None, description="Environment variable holding that token.")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f'listen must be "host:port", not {value!r}')
        return value

    @model_validator(mode="after")
    def _one_token_source(self) -> MetricsSettings:
        if self.token_file is not None and self.token_env is not None:
            raise ValueError("give token_file or token_env, not both")
        return self

    def address(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)

    def read_token(self) -> str | None:
        """The bearer token, read at start; ConfigError when its file or variable is missing or empty."""
        if self.token_file is not None:
            try:
                token = self.token_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"metrics.token_file {self.token_file}: {exc.strerror}") from exc
            where = f"metrics.token_file {self.token_file}"
        elif self.token_env is not None:
            token, where = os.environ.get(self.token_env, "").strip(), f"metrics.token_env {self.token_env}"
        else:
            return None
        if not token:
            raise ConfigError(f"{where} holds no token")
        return token


class LogSettings(_Section):
    """The router's request log: one line per request (logger `graft.requests`)."""

    format: Literal["text", "json"] = Field("text", description="text: readable key=value lines (make run); "
                                                                "json: one JSON object per line, for a log pipeline.")


class TracingSettings(_Section):
    """OpenTelemetry traces (router/features/tracing.py). Off: no provider, no span is made."""

    enabled: bool = False
    exporter: Literal["otlp_http", "otlp_grpc", "console"] = Field(
        "otlp_http", description="OTLP over HTTP (protobuf) or gRPC, or the console for development.")
    endpoint: str | None = Field(None, description="Where spans go; default the exporter's own "
                                                   "(http://localhost:4318/v1/traces for otlp_http, "
                                                   "http://localhost:4317 for otlp_grpc).")
    headers: dict[str, str] = Field(default_factory=dict, description="Sent with every export (an API key).")
    sampling_ratio: float = Field(1.0, ge=0, le=1, description="Share of new traces recorded.")
    parent_based: bool = Field(True, description="Follow the caller's sampling decision (traceparent) when "
                                                 "there is one; the ratio decides only for new traces.")
    service_name: str = "graft-router"


class TelemetrySettings(_Section):
    logs: LogSettings = Field(default_factory=LogSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)


class CorsSettings(_Section):
    allow_origins: list[str] = Field(default_factory=list, description='Exact origins, or ["*"].')
    allow_credentials: bool = False
    allow_headers: list[str] = Field(
        default_factory=lambda: ["content-type", "authorization", "graft-include-plan", "apollographql-client-name"]
    )
    expose_headers: list[str] = Field(default_factory=list)
    max_age: int = Field(600, ge=0, description="Seconds a browser may cache a preflight answer.")


class GraphiQLSettings(_Section):
    enabled: bool = True


class AuthSettings(_Section):
    authorization_server: HttpUrl | None = Field(
        None, description="Origin of the OAuth2 server (the users service): /oauth/* and /.well-known/* are "
                          "forwarded there, and its JWKS verifies tokens.")
    jwks_url: HttpUrl | None = Field(None, description="Default: <authorization_server>/.well-known/jwks.json; "
                                                       "with neither, the local key file (GRAFT_KEYS_FILE).")
    jwks_refetch_floor: float = Field(30.0, ge=0, description="Seconds between JWKS refetches on an unknown kid.")
    jwks_timeout: float = Field(2.0, gt=0, le=30, description="Seconds one JWKS fetch may take; a hung "
                                "authorization server then costs one request this long, not minutes.")
    jwks_retry_interval: float = Field(5.0, gt=0, description="After a failed JWKS fetch, seconds before the next "
                                       "one; meanwhile the last good keys still verify, and a token signed with a "
                                       "key not among them gets 503 AUTH_UNAVAILABLE at once.")
    revocation_on_redis_error: Literal["open", "closed"] = Field(
        "open", description="The deny list while Redis cannot answer: open lets verified tokens through (they "
                            "are short-lived; logged once per incident); closed refuses signed-in requests "
                            "(503 AUTH_UNAVAILABLE).")
    issuer: str = "graft"
    audience: str = "graft-api"
    algorithms: list[str] = Field(default_factory=lambda: ["ES256"], min_length=1,
                                  description="Signing algorithms accepted; never none or HS*.")
    leeway: int = Field(30, ge=0, le=300, description="Clock skew allowed on exp/nbf, in seconds.")
    policies: dict[str, str] = Field(
        default_factory=dict, description='@policy names → Python callables "module:function" taking the Caller '
                                          "and returning a bool (or awaitable bool).")

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        allowed = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}
        refused = [alg for alg in value if alg not in allowed]
        if refused:
            raise ValueError(f"algorithms {refused} are not accepted; use asymmetric ones: {sorted(allowed)}")
        return value


# Codes whose errors clients may see as the subgraph sent them: the client's own mistakes and the
# marketplace's domain answers (subgraphs/common/errors.py, catalog/inventory.py, payments/providers).
DEFAULT_ALLOWED_ERROR_CODES = (
    "BAD_USER_INPUT", "FORBIDDEN", "UNAUTHORIZED", "UNAUTHENTICATED", "NOT_FOUND", "CONFLICT",
    "INSUFFICIENT_STOCK", "CARD_DECLINED", "PAYMENT_FAILED", "PROVIDER_UNAVAILABLE",
)


class SubgraphErrorSettings(_Section):
    """Apollo Router's `include_subgraph_errors`: what clients see of subgraph errors. Anything not
    shown becomes "Internal server error" (INTERNAL_SERVER_ERROR) with a requestId; a subgraph that
    cannot be reached, "Subgraph unavailable" (SUBREQUEST_HTTP_ERROR). The log keeps the original."""

    all: bool = Field(False, description="Pass every subgraph error to clients as sent (message, extensions).")
    subgraphs: dict[str, bool] = Field(default_factory=dict, description="Per subgraph name, over `all`.")
    allowed_codes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_ERROR_CODES),
        description="Errors with one of these extensions.code values pass with their message and extensions "
                    "(debug ones such as stacktrace dropped), whatever `all` says.")
    service_name: bool = Field(False, description="Add extensions.serviceName (the subgraph's name) to "
                               "subgraph errors.")


class RedisSettings(_Section):
    url: str | None = Field(None, description="redis://host:port/db; shared by all workers and instances. "
                                              "Unset: every cache, bucket and deny list is in process.")
    key_prefix: str = Field("graft:", description="Prefix of every key the router writes.")


class CacheSettings(_Section):
    plan_size: int = Field(2048, ge=1, description="Plans kept in process (LRU).")
    plan_redis: bool = Field(True, description="Share plans between routers through Redis (when redis.url is set).")
    plan_redis_ttl: int = Field(86400, ge=1, description="Seconds a shared plan lives in Redis.")
    entity: bool = Field(False, description="Cache `_entities` results as the subgraphs' Cache-Control allows.")
    entity_size: int = Field(10000, ge=1, description="Entities kept in process when redis.url is unset (LRU).")
    default_ttl: int = Field(0, ge=0, description="Seconds for a cacheable answer without max-age; 0: not cached.")
    max_ttl: int = Field(300, ge=1, le=86400, description="Upper bound on any entity's lifetime, whatever "
                                                         "the subgraph says (below the catalog's version TTL).")


class TierLimit(_Section):
    capacity: int = Field(ge=1, description="Burst: requests allowed at once from a full bucket.")
    refill_per_second: float = Field(gt=0, description="Tokens (requests) added back per second.")


DEFAULT_TIERS = {
    "anonymous": TierLimit(capacity=60, refill_per_second=1),
    "shopper": TierLimit(capacity=120, refill_per_second=4),
    "partner": TierLimit(capacity=600, refill_per_second=20),
}


class RateLimitSettings(_Section):
    enabled: bool = False
    tiers: dict[str, TierLimit] = Field(default_factory=lambda: dict(DEFAULT_TIERS), description=(
        "Token bucket per tier, over the defaults (anonymous, shopper, partner). "
        "A partner tier claim not listed uses `partner`."))
    on_redis_error: Literal["open", "closed"] = Field("open", description="open: let requests through while "
                                                      "Redis is unreachable; closed: refuse them (503).")
    redis_timeout: float = Field(0.2, gt=0, le=5, description="Seconds for Redis to connect and answer.")
    redis_retry_interval: float = Field(1.0, gt=0, description="After a Redis failure, seconds before asking "
                                        "it again (requests meanwhile fail open or closed without waiting).")
    max_local_buckets: int = Field(100_000, ge=1, description="In-process buckets kept (least recent "
                                   "dropped) when redis.url is unset.")

    @field_validator("tiers", mode="before")
    @classmethod
    def _over_defaults(cls, tiers: Any) -> Any:
        """A default tier keeps the values not given (GRAFT_RATE_LIMITS__TIERS__SHOPPER__CAPACITY=5 alone)."""
        if not isinstance(tiers, dict):
            return tiers
        merged: dict[str, Any] = {name: limit.model_dump() for name, limit in DEFAULT_TIERS.items()}
        for name, given in tiers.items():
            default = merged.get(name)
            merged[name] = {**default, **given} if isinstance(given, dict) and default else given
        return merged


class TierLimits(_Section):
    """One tier's maximums; an unset one falls back to the default in operation_limits."""

    max_depth: int | None = Field(None, gt=0)
    max_aliases: int | None = Field(None, ge=0)
    max_root_fields: int | None = Field(None, gt=0)
    max_tokens: int | None = Field(None, gt=0)
    max_cost: int | None = Field(None, ge=0)


class OperationLimitSettings(_Section):
    """Operations over a limit are refused before planning; defaults apply to every tier."""

    enabled: bool = True
    max_depth: int = Field(15, gt=0, description="Deepest field nesting (root fields are depth 1).")
    max_aliases: int = Field(30, ge=0, description="Aliased fields in the operation, fragments included.")
    max_root_fields: int = Field(20, gt=0, description="Fields at the operation's root.")
    max_tokens: int = Field(5000, gt=0, description="Lexer tokens in the whole document.")
    max_cost: int = Field(50_000, ge=0, description="Estimated cost (@cost/@listSize, Apollo's demand control); "
                          "the default admits the public gateway benchmark's heavy query (about 24,000).")
    default_list_size: int = Field(10, ge=0, description="Assumed length of a list without @listSize.")
    tiers: dict[str, TierLimits] = Field(default_factory=dict, description="Per caller tier (anonymous, "
                                         "shopper, or a partner tier such as partner-standard).")

    def for_tier(self, tier: str) -> dict[str, int]:
        """The maximums that hold for one tier: its own where set, else the defaults."""
        own = self.tiers.get(tier)  # not `or TierLimits()`: building a model on every request costs
        names = ("max_depth", "max_aliases", "max_root_fields", "max_tokens", "max_cost")
        return {n: v if own is not None and (v := getattr(own, n)) is not None else getattr(self, n) for n in names}


class PersistedQuerySettings(_Section):
    """Automatic persisted queries (APQ) and a trusted-document manifest with an optional safelist."""

    apq_enabled: bool = Field(True, description="Accept extensions.persistedQuery hashes and register queries.")
    apq_ttl: int = Field(86_400, gt=0, description="Seconds an APQ entry lives in Redis.")
    apq_cache_size: int = Field(2000, gt=0, description="APQ entries kept in process when redis.url is unset.")
    manifest: Path | None = Field(None, description="Trusted documents: an Apollo persisted query manifest "
                                                    "or a JSON {id: body} map, read at start.")
    safelist: Literal["off", "all", "clients"] = Field("off", description="Who may run only manifest "
                                                         "documents: nobody, everybody, or safelist_clients.")
    safelist_clients: list[str] = Field(default_factory=list, description="Caller tiers, client ids or "
                                        "caller keys (client:ID) held to the safelist when safelist: clients.")

    @model_validator(mode="after")
    def _safelist_needs_manifest(self) -> PersistedQuerySettings:
        if self.safelist != "off" and self.manifest is None:
            raise ValueError(f"safelist: {self.safelist} needs a manifest file")
        return self


class SubscriptionSettings(_Section):
    """GraphQL subscriptions: clients over WebSocket (graphql-transport-ws), SSE (graphql-sse) or
    multipart HTTP; the router subscribes to the owning subgraph over WebSocket."""

    enabled: bool = True
    max_per_client: int = Field(10, ge=1, description="Open subscriptions one caller (partner client, user, "
                                "else address) may hold in one router process; one more is refused.")
    on_reload: Literal["keep", "close"] = Field("keep", description="A new supergraph: keep: open "
                                                "subscriptions stay on the old one until they end; close: they "
                                                "end at once with a SUBSCRIPTION_CLOSED error saying why.")
    heartbeat: float = Field(5.0, gt=0, description="Seconds between keep-alives: a WebSocket ping, an SSE "
                             "comment, an empty multipart part ({}).")
    auth_check_interval: float = Field(5.0, gt=0, description="Seconds between checks that a subscriber's token "
                                       "is not revoked; its expiry ends the subscription at that time.")
    connection_init_timeout: float = Field(10.0, gt=0, description="Seconds a WebSocket client has to send "
                                           "connection_init (graphql-transport-ws closes with 4408 after).")
    max_message_bytes: int = Field(256_000, ge=1024, description="Largest WebSocket message a client may send; "
                                   "larger closes the socket with 1009.")


class RouterSettings(BaseSettings):
    """Everything the router reads at start."""

    model_config = SettingsConfigDict(env_prefix="GRAFT_", env_nested_delimiter="__", extra="forbid")

    listen: ListenSettings = Field(default_factory=ListenSettings)
    supergraph: SupergraphSettings = Field(default_factory=SupergraphSettings)
    subgraphs: dict[str, SubgraphSettings] = Field(default_factory=dict)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    traffic: TrafficSettings = Field(default_factory=TrafficSettings)
    drain: DrainSettings = Field(default_factory=DrainSettings)
    cors: CorsSettings = Field(default_factory=CorsSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    graphiql: GraphiQLSettings = Field(default_factory=GraphiQLSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    subgraph_defaults: SubgraphDefaults = Field(default_factory=SubgraphDefaults)
    operation_limits: OperationLimitSettings = Field(default_factory=OperationLimitSettings)
    persisted_queries: PersistedQuerySettings = Field(default_factory=PersistedQuerySettings)
    include_subgraph_errors: SubgraphErrorSettings = Field(default_factory=SubgraphErrorSettings)
    subscriptions: SubscriptionSettings = Field(default_factory=SubscriptionSettings)
    trusted_proxy_hops: int = Field(0, ge=0, description="Proxies in front of the router whose "
                                    "X-Forwarded-For entries are believed when finding a client's address.")
    config_file: Path | None = Field(None, description="The router.yaml these settings were read from.")
    introspection: bool = True
    dev_mode: bool = Field(False, description="Return the query plan in `extensions` on `graft-include-plan: 1`, "
                                              "and subgraph errors whole, with their serviceName.")

    @model_validator(mode="after")
    def _tiers_under_document_ceiling(self) -> RouterSettings:
        ceiling = self.limits.max_document_tokens
        tiers = {"default": self.operation_limits.max_tokens,
                 **{name: tier.max_tokens for name, tier in self.operation_limits.tiers.items() if tier.max_tokens}}
        over = {name: value for name, value in tiers.items() if value is not None and value > ceiling}
        if over:
            raise ValueError(f"operation_limits max_tokens {over} can never be reached: "
                             f"limits.max_document_tokens ({ceiling}) refuses larger documents first")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Command line (init arguments) over environment over router.yaml.
        assert isinstance(init_settings, InitSettingsSource)
        path = init_settings.init_kwargs.get("config_file")
        yaml_data = _read_yaml(Path(path)) if path else {}
        return init_settings, env_settings, InitSettingsSource(settings_cls, yaml_data)

    def subgraph(self, name: str) -> SubgraphSettings:
        return self.subgraphs.get(name) or SubgraphSettings()

    def circuit_breaker(self, name: str) -> CircuitBreakerSettings:
        return self.subgraph(name).circuit_breaker or self.subgraph_defaults.circuit_breaker


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level, not {type(data).__name__}")
    return data


def _describe(exc: ValidationError, source: str) -> str:
    lines = [f"invalid router settings ({source}):"]
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)


def load_settings(config_path: Path | None = None, **overrides: Any) -> RouterSettings:
    """router.yaml (if given), GRAFT_* environment, then `overrides` (whole sections or
    nested dicts from the command line), each over the one before."""
    source = str(config_path) if config_path else "environment"
    try:
        return RouterSettings(config_file=config_path, **overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from exc


def settings_json_schema() -> str:
    """The published JSON schema of router.yaml (`graft config-schema`)."""
    schema = RouterSettings.model_json_schema()
    schema["title"] = "Graft router.yaml"
    return json.dumps(schema, indent=2, sort_keys=True)
