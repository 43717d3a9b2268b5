"""router.yaml + environment → typed settings, with clear errors."""

from __future__ import annotations

import json

import pytest

from router.config import ConfigError, load_settings, settings_json_schema


def write(tmp_path, text: str):
    path = tmp_path / "router.yaml"
    path.write_text(text)
    return path


def test_defaults_without_file():
    settings = load_settings()
    assert (settings.listen.host, settings.listen.port) == ("127.0.0.1", 4000)
    assert settings.graphiql.enabled and settings.introspection and not settings.dev_mode
    assert settings.subgraph("catalog").timeout == 30.0


def test_file_then_environment_then_command_line(tmp_path, monkeypatch):
    path = write(tmp_path, """
listen: {port: 4100}
supergraph: {path: schema/supergraph.graphql}
subgraphs:
  catalog: {url: "http://127.0.0.1:9001/graphql", timeout: 2.5}
cors: {allow_origins: ["https://shop.example"], allow_credentials: true}
dev_mode: true
""")
    settings = load_settings(path)
    assert settings.listen.port == 4100
    assert str(settings.subgraph("catalog").url) == "http://127.0.0.1:9001/graphql"
    assert settings.subgraph("catalog").timeout == 2.5
    assert settings.cors.allow_credentials and settings.dev_mode
    monkeypatch.setenv("GRAFT_LISTEN__PORT", "4200")
    monkeypatch.setenv("GRAFT_SUBGRAPHS__ORDERS__TIMEOUT", "3")
    monkeypatch.setenv("GRAFT_INTROSPECTION", "false")
    settings = load_settings(path)
    assert settings.listen.port == 4200
    assert settings.subgraph("orders").timeout == 3.0
    assert settings.subgraph("catalog").timeout == 2.5  # env merges into the file's sections
    assert settings.introspection is False
    assert load_settings(path, listen={"port": 4300}).listen.port == 4300


@pytest.mark.parametrize(("text", "message"), [
    ("listen: {port: 70000}", "listen.port: Input should be less than or equal to 65535"),
    ("limits: {max_body_bytes: 0}", "limits.max_body_bytes: Input should be greater than 0"),
    ("subgraphs: {catalog: {url: not-a-url}}", "subgraphs.catalog.url"),
    ("subgraphs: {catalog: {timeout: -1}}", "subgraphs.catalog.timeout"),
    ("graphiql: {enabeld: true}", "graphiql.enabeld: Extra inputs are not permitted"),
    ("colour: blue", "colour: Extra inputs are not permitted"),
    ("cache: {max_ttl: 0}", "cache.max_ttl: Input should be greater than or equal to 1"),
    ("cache: {entity_sise: 10}", "cache.entity_sise: Extra inputs are not permitted"),
    ("- a list", "must hold a mapping"),
    ("listen: {port: [", "is not valid YAML"),
])
def test_invalid_settings_are_named(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    assert message in str(info.value)


def test_invalid_environment_is_named(monkeypatch):
    monkeypatch.setenv("GRAFT_LISTEN__PORT", "many")
    with pytest.raises(ConfigError, match="listen.port: Input should be a valid integer"):
        load_settings()


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config .*nope.yaml: No such file"):
        load_settings(tmp_path / "nope.yaml")


def test_published_json_schema():
    schema = json.loads(settings_json_schema())
    assert schema["additionalProperties"] is False
    assert {"listen", "supergraph", "subgraphs", "limits", "cors", "graphiql", "introspection", "dev_mode"} <= set(schema["properties"])
    assert schema["$defs"]["ListenSettings"]["properties"]["port"]["maximum"] == 65535


def test_example_file_is_valid():
    from tests.support.processes import ROOT

    settings = load_settings(ROOT / "router.example.yaml")
    assert settings.subgraph("payments").timeout == 20
    assert settings.cache.entity and settings.cache.max_ttl == 300
    assert settings.cors.allow_credentials
    assert settings.subscriptions.on_reload == "keep" and settings.subscriptions.max_per_client == 10


def test_resilience_settings(monkeypatch, tmp_path):
    from tests.support.processes import ROOT

    example = load_settings(ROOT / "router.example.yaml")
    assert example.circuit_breaker("payments").open_seconds == 10
    assert example.circuit_breaker("catalog") == example.subgraph_defaults.circuit_breaker
    assert example.traffic.timeout == 30 and example.traffic.retries.retry_percent == 0.2
    assert example.traffic.deduplicate
    assert example.drain.grace_seconds == 15
    monkeypatch.setenv("GRAFT_SUBGRAPH_DEFAULTS__CIRCUIT_BREAKER__OPEN_SECONDS", "2.5")
    monkeypatch.setenv("GRAFT_TRAFFIC__TIMEOUT", "4")
    monkeypatch.setenv("GRAFT_TRAFFIC__DEDUPLICATE", "false")
    settings = load_settings()
    assert settings.circuit_breaker("orders").open_seconds == 2.5 and settings.traffic.timeout == 4
    assert not settings.traffic.deduplicate
    schema = json.loads(settings_json_schema())
    assert {"traffic", "drain", "subscriptions"} <= set(schema["properties"])
    with pytest.raises(ConfigError, match="failure_ratio"):
        load_settings(subgraph_defaults={"circuit_breaker": {"failure_ratio": 2}})
