"""Domain events through a transactional outbox (store), carried by a relay over Redis Streams or
HTTP to the services that consume them, each applying an event once (see docs/architecture.md)."""

from subgraphs.common.events.envelope import EVENT_TYPES, Event, Payload, UnknownEvent
from subgraphs.common.events.store import AlreadyApplied, EventsBase, already_applied, applying, publish

__all__ = ["EVENT_TYPES", "AlreadyApplied", "Event", "EventsBase", "Payload", "UnknownEvent", "already_applied",
           "applying", "publish"]
