"""Label values from what clients choose (operation names, client names and versions), bounded.

Every distinct label value is a time series Prometheus keeps in memory and on disk for its whole
retention, and these values come from the request: a client sending random operation names would
otherwise grow /metrics and the Prometheus server without end. So a value is kept only if it looks
like a name (at most 64 characters of [A-Za-z0-9_.-]) and fewer than `limit` distinct values were
seen in this process; anything else is folded into "other", and a missing one is "unknown"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from threading import Lock

NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
UNKNOWN = "unknown"
OTHER = "other"


@dataclass
class LabelFold:
    """One label's allowed values: the first `limit` well-formed ones seen."""

    limit: int
    _seen: set[str] = field(default_factory=set)
    _lock: Lock = field(default_factory=Lock)

    def __call__(self, value: str | None) -> str:
        if not value:
            return UNKNOWN
        if value in self._seen:
            return value
        if not NAME.fullmatch(value):
            return OTHER
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(value)
        return value
