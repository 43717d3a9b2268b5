"""The request histogram's labels from a request's summary, folded to bounded sets (labels.py)."""

from __future__ import annotations

from router.features.labels import LabelFold
from router.features.metrics import REQUEST_DURATION, outcome
from router.features.request_log import RequestSummary

# distinct values kept per process before folding into "other"
OPERATIONS = LabelFold(200)
CLIENT_NAMES = LabelFold(50)
CLIENT_VERSIONS = LabelFold(100)


def observe_request(summary: RequestSummary) -> None:
    labels = (OPERATIONS(summary.operation), CLIENT_NAMES(summary.client_name),
              CLIENT_VERSIONS(summary.client_version), outcome(summary.status, summary.error_codes))
    REQUEST_DURATION.labels(*labels).observe(summary.duration_ms / 1000)
