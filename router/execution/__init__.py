"""Execution: run a QueryPlan against the subgraphs, merge, and shape the client's response."""

from router.native import use_current

use_current(__name__)  # executor and shaping: compiled only when built from the source beside them
