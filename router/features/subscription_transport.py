"""A subscription sent as plain GraphQL over HTTP gets one clear error: it needs a transport that
can carry many results (WebSocket, SSE, multipart), which serve it past this stage."""

from __future__ import annotations

from graphql import OperationType

from router.pipeline import RequestError, RouterRequest, Stage

NAME = "subscription transport"


def subscription_transport_stage() -> Stage:
    async def refuse_subscriptions(request: RouterRequest) -> None:
        if request.prepared().operation_type is OperationType.SUBSCRIPTION:
            raise RequestError("Subscriptions need a streaming transport: a WebSocket (graphql-transport-ws), "
                               "Accept: text/event-stream, or Accept: multipart/mixed;subscriptionSpec=1.0.",
                               status=405, headers={"Allow": "GET, POST"}, code="SUBSCRIPTION_TRANSPORT_REQUIRED")

    return Stage(NAME, refuse_subscriptions)
