import pytest

from subgraphs.common.events import EVENT_TYPES
from subgraphs.common.events.routing import SUBSCRIPTIONS, subscribers
from subgraphs.common.events.runtime import EVENTS
from subgraphs.common.settings import SUBGRAPH_PORTS
from tests.support.apps import subgraph_client


def test_every_subscribed_type_is_a_known_event():
    assert set().union(*SUBSCRIPTIONS.values()) <= set(EVENT_TYPES)
    assert set(SUBSCRIPTIONS) <= set(SUBGRAPH_PORTS)


def test_subscribers_of_a_type():
    assert subscribers("order.cancelled") == ("catalog", "payments")
    assert subscribers("payment.succeeded") == ("orders",)
    assert subscribers("order.placed") == ()


@pytest.mark.parametrize("name", sorted(SUBGRAPH_PORTS))
async def test_a_service_handles_exactly_the_types_routed_to_it(name, monkeypatch):
    """A consumer's handlers are exactly its row of the routing table (the HTTP relay delivers by
    the table; a handler missing from it would never be called over HTTP)."""
    monkeypatch.setenv("GRAFT_SEED", "0")
    monkeypatch.setenv("GRAFT_JOBS", "0")
    async with subgraph_client(name) as client:
        runtime = client.client.app.get(EVENTS)
        handled = set(runtime.handlers) if runtime is not None else set()
        assert handled == SUBSCRIPTIONS.get(name, frozenset())
