import pytest

from subgraphs.common.events.config import EventsSettings, transport_for


def test_redis_when_the_service_has_it_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("GRAFT_EVENTS_TRANSPORT", raising=False)
    assert transport_for("redis://127.0.0.1:6379/0") == "redis"
    assert transport_for(None) == "http"
    monkeypatch.setenv("GRAFT_EVENTS_TRANSPORT", "http")
    assert transport_for("redis://127.0.0.1:6379/0") == "http"
    monkeypatch.setenv("GRAFT_EVENTS_TRANSPORT", "redis")
    with pytest.raises(ValueError, match="needs REDIS_URL"):
        transport_for(None)
    monkeypatch.setenv("GRAFT_EVENTS_TRANSPORT", "kafka")
    with pytest.raises(ValueError, match="redis or http"):
        transport_for(None)


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("GRAFT_EVENTS_RELAY_INTERVAL", "0.5")
    monkeypatch.setenv("GRAFT_EVENTS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("GRAFT_EVENTS_STREAM", "shop:events")
    settings = EventsSettings.from_env(None)
    assert (settings.transport, settings.relay_interval, settings.max_attempts) == ("http", 0.5, 7)
    assert settings.dead_stream == "shop:events:dead"
    assert [settings.retry_delay(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert EventsSettings(retry_max=5).retry_delay(10) == 5
    monkeypatch.setenv("GRAFT_EVENTS_LEASE", "soon")
    with pytest.raises(ValueError, match="GRAFT_EVENTS_LEASE must be a number"):
        EventsSettings.from_env(None)
