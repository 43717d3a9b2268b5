"""The typed values of one request through the router, and the stage list that moves it along.

Every stage is one `Stage` of the same shape; the server builds the list from config
(router/server/pipeline.py), features and the gateway each contribute their own stage."""

from router.pipeline.caller import Caller
from router.pipeline.request import (
    Denials,
    GraphQLRequest,
    GraphQLResponse,
    PreparedOperation,
    RequestError,
    RouterRequest,
)
from router.pipeline.stage import Stage, SubgraphReadiness, SupergraphService, run_stages

__all__ = [
    "Caller",
    "Denials",
    "GraphQLRequest",
    "GraphQLResponse",
    "PreparedOperation",
    "RequestError",
    "RouterRequest",
    "Stage",
    "SubgraphReadiness",
    "SupergraphService",
    "run_stages",
]
