"""What an operator's Prometheus reads of events: how long each took from its occurrence to its
effect in each consumer, and what each producer's outbox still holds."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.subgraphs.lifecycle.client import Marketplace
from tests.subgraphs.lifecycle.test_paths import PAY, _place, _product, _tokens
from tests.support.eventually import eventually


async def _samples(url: str) -> dict[tuple[str, frozenset], float]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        text = await response.text()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _lag_count(samples: dict, service: str, event_type: str) -> float:
    return samples.get(("graft_event_lag_seconds_count",
                        frozenset({"service": service, "type": event_type}.items())), 0.0)


async def test_event_lag_and_outbox_backlog_are_measured(marketplace: Marketplace):
    catalog, orders = marketplace.subgraphs["catalog"].url, marketplace.subgraphs["orders"].url
    before = _lag_count(await _samples(catalog), "catalog", "order.paid")
    shopper, admin = await _tokens(marketplace)
    order = await _place(marketplace, shopper, await _product(marketplace, admin, stock=2))
    await marketplace.data(PAY, {"id": order["id"], "method": "pm_card_visa"}, shopper)

    samples = await eventually(lambda: _samples(catalog),
                               lambda s: _lag_count(s, "catalog", "order.paid") > before, timeout=15)
    lag_sum = samples[("graft_event_lag_seconds_sum", frozenset({"service": "catalog", "type": "order.paid"}.items()))]
    assert 0 < lag_sum < 15 * (before + 1)  # a real age, in seconds, not a timestamp
    assert _lag_count(await _samples(orders), "orders", "payment.succeeded") >= 1

    # The outbox gauges are sampled every few seconds: once sampled, nothing is left unsent.
    drained = await eventually(lambda: _samples(orders),
                               lambda s: s.get(("graft_event_outbox_backlog", frozenset({"service": "orders"}.items())))
                               == 0.0, timeout=15)
    assert drained[("graft_event_outbox_oldest_seconds", frozenset({"service": "orders"}.items()))] == 0.0
    assert drained[("graft_event_dead_deliveries", frozenset({"service": "orders"}.items()))] == 0.0
