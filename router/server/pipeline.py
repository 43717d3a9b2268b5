"""The stage list, built from config: every request runs it in this order. A new stage is one
more entry here, made by the feature module that owns it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from router.config import RouterSettings
from router.features.identity import identity_stage
from router.features.limits import count_refusal, limits_stage
from router.features.metrics import cache_lookup
from router.features.persisted import persisted_stage, register_stage
from router.features.rate_limits import rate_limit_stage
from router.features.subscription_transport import subscription_transport_stage
from router.pipeline import Stage, SupergraphService
from router.pipeline.document import DocumentCache, document_stage
from router.pipeline.document_limits import DocumentLimits
from router.server.resources import Resources


@dataclass(frozen=True)
class Pipeline:
    """One supergraph's service and every stage in front of it: swapped whole on reload."""

    service: SupergraphService
    stages: tuple[Stage, ...]

    async def close(self) -> None:
        await self.service.close()


def document_limits(settings: RouterSettings) -> DocumentLimits:
    limits = settings.limits
    return DocumentLimits(max_bytes=limits.max_document_bytes, max_tokens=limits.max_document_tokens,
                          max_fields=limits.max_document_fields, max_field_merges=limits.max_field_merges,
                          cache_entries=limits.document_cache_size, cache_bytes=limits.document_cache_bytes)


def build_pipeline(settings: RouterSettings, resources: Resources, service: SupergraphService) -> Pipeline:
    """identity → rate limit → persisted → document → limits → (APQ register) → the service's own
    stages (authorize → plan → execute → shape)."""
    stages = [identity_stage(resources.authenticator)]
    if resources.rate_limiter is not None:
        stages.append(rate_limit_stage(resources.rate_limiter))
    stages.append(persisted_stage(resources.persisted))
    documents = DocumentCache(service.api_schema, introspection=settings.introspection,
                              limits=document_limits(settings), looked_up=partial(cache_lookup, "document"))
    operation_limits = settings.operation_limits
    tier_tokens = (lambda tier: operation_limits.for_tier(tier)["max_tokens"]) if operation_limits.enabled else None
    stages.append(document_stage(documents, tier_tokens, count_refusal))
    stages.append(subscription_transport_stage())  # the subscription transports run the list without it
    if settings.operation_limits.enabled:
        stages.append(limits_stage(settings.operation_limits, service.api_schema, service.costs))
    stages.append(register_stage(resources.persisted))
    stages.extend(service.stages())
    return Pipeline(service, tuple(stages))
