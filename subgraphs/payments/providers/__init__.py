"""Payment providers: offline (the default) and Stripe (when STRIPE_SECRET_KEY is set)."""

from __future__ import annotations

import os

from subgraphs.payments.providers.base import Charge, PaymentProvider, ProviderError
from subgraphs.payments.providers.offline import OfflineProvider

__all__ = ["Charge", "PaymentProvider", "ProviderError", "provider_from_env"]


def provider_from_env() -> PaymentProvider:
    if key := os.environ.get("STRIPE_SECRET_KEY"):
        from subgraphs.payments.providers.stripe import StripeProvider

        return StripeProvider(key, api_base=os.environ.get("STRIPE_API_BASE"))
    return OfflineProvider()
