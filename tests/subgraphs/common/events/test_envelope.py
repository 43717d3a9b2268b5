"""Event envelopes and payload versions: what lets a consumer be upgraded before its producer."""

import json
from datetime import datetime, timezone

import pytest

from router.schema_files import EVENTS_DIR
from subgraphs.common.events import EVENT_TYPES, Event, UnknownEvent
from subgraphs.common.events.envelope import OrderCancelled, PaymentRefunded


def test_an_envelope_survives_the_wire():
    event = Event.new("orders", OrderCancelled(order_id=7, reservation_id="order-x", reason="customer", was_paid=True))
    again = Event.from_json(event.to_json())
    assert again == event and again.version == 1
    assert again.data() == OrderCancelled(order_id=7, reservation_id="order-x", reason="customer", was_paid=True)


def test_a_newer_producer_does_not_break_an_older_consumer():
    """Version 2 of a payload adds a field: this build reads what it knows and ignores the rest."""
    raw = json.dumps({"id": "e1", "type": "payment.refunded", "source": "payments",
                      "occurred_at": datetime.now(timezone.utc).isoformat(),
                      "payload": {"version": 2, "payment_id": 1, "order_id": 2, "refund_id": 3, "amount": 100,
                                  "refunded": 100, "payment_amount": 500, "currency": "USD", "reason": "damaged"}})
    event = Event.from_json(raw)
    assert event.version == 2
    assert isinstance(event.data(), PaymentRefunded) and event.data().refunded == 100


def test_unknown_types_and_non_envelopes_are_refused_clearly():
    unknown = Event("e2", "order.teleported", "orders", datetime.now(timezone.utc), {})
    with pytest.raises(UnknownEvent):
        unknown.data()
    for raw in (b"[]", b'{"payload": 3}', b'{"id": "x", "payload": {}}'):
        with pytest.raises(ValueError):
            Event.from_json(raw)


def test_every_event_type_has_a_published_schema_naming_its_fields():
    for name, model in EVENT_TYPES.items():
        schema = json.loads((EVENTS_DIR / f"{name}.json").read_text())
        assert schema["title"] == name and set(schema["properties"]) == set(model.model_fields)
        assert "version" in schema["properties"]
