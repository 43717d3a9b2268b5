"""Query planning: operation + supergraph → QueryPlan. Pure: no I/O, synchronous."""

from router.planning.plan import (
    BatchEntry,
    BatchFetchNode,
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)
from router.planning.planner import PlanningError, QueryPlanner

__all__ = [
    "BatchEntry", "BatchFetchNode", "ConditionNode", "FetchNode", "FlattenNode", "ParallelNode", "PlanNode",
    "PlanningError", "QueryPlan", "QueryPlanner", "SequenceNode",
]
