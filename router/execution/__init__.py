"""Execution: run a QueryPlan against the subgraphs, merge, and shape the client's response."""
