"""Payment providers behind one interface (base.PaymentProvider): offline (the default, no network),
Stripe (card methods, when STRIPE_SECRET_KEY is set) and PayPal (`paypal`, when PAYPAL_CLIENT_ID is
set). A payment remembers the provider that took it; its refunds and webhooks go to that one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import aiohttp

from subgraphs.common.db import Database
from subgraphs.payments.providers.base import (
    Attempt, IntentStatus, PaymentProvider, ProviderError, RefundResult, StartRequest, WebhookEvent, WebhookKind,
    WebhookRejected,
)
from subgraphs.payments.providers.offline import DEV_WEBHOOK_SECRET, OfflineProvider
from subgraphs.payments.providers.stripe import DEFAULT_TOLERANCE

__all__ = ["Attempt", "IntentStatus", "PaymentProvider", "ProviderError", "Providers", "RefundResult", "StartRequest",
           "WebhookEvent", "WebhookKind", "WebhookRejected"]


@dataclass
class Providers:
    """The providers this service can use, by name, and which one takes a payment method."""

    offline: OfflineProvider
    by_name: dict[str, PaymentProvider] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name.setdefault("offline", self.offline)

    def get(self, name: str) -> PaymentProvider | None:
        return self.by_name.get(name)

    def for_method(self, method: str) -> PaymentProvider:
        """`paypal` → PayPal; a card method (`pm_...`) → Stripe when configured, else offline."""
        if method == "paypal":
            if (paypal := self.by_name.get("paypal")) is None:
                raise ProviderError("PayPal is not available here.", "BAD_USER_INPUT")
            return paypal
        if method.startswith("pm_"):
            return self.by_name.get("stripe") or self.offline
        raise ProviderError("Unknown payment method: use a card payment method (pm_...) or paypal.", "BAD_USER_INPUT")

    async def close(self) -> None:
        for provider in self.by_name.values():
            await provider.close()

    @classmethod
    def from_env(cls, db: Database, http: aiohttp.ClientSession | None, public_url: str) -> Providers:
        """STRIPE_SECRET_KEY (STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET, STRIPE_WEBHOOK_TOLERANCE),
        PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET (PAYPAL_API_BASE, PAYPAL_WEBHOOK_ID,
        PAYPAL_ENVIRONMENT), GRAFT_OFFLINE_WEBHOOK_SECRET; redirects return to
        GRAFT_PAYMENTS_RETURN_URL (default <public URL>/payments/returned)."""
        env = os.environ
        tolerance = int(env.get("STRIPE_WEBHOOK_TOLERANCE") or DEFAULT_TOLERANCE)
        return_url = env.get("GRAFT_PAYMENTS_RETURN_URL") or f"{public_url.rstrip('/')}/payments/returned"
        offline = OfflineProvider(db, http, public_url, env.get("GRAFT_OFFLINE_WEBHOOK_SECRET") or DEV_WEBHOOK_SECRET,
                                  tolerance)
        providers: dict[str, PaymentProvider] = {}
        if key := env.get("STRIPE_SECRET_KEY"):
            from subgraphs.payments.providers.stripe import StripeProvider

            providers["stripe"] = StripeProvider(key, api_base=env.get("STRIPE_API_BASE"),
                                                 webhook_secret=env.get("STRIPE_WEBHOOK_SECRET"), tolerance=tolerance,
                                                 return_url=return_url)
        if (client_id := env.get("PAYPAL_CLIENT_ID")) and http is not None:
            from subgraphs.payments.providers.paypal import PayPalProvider

            providers["paypal"] = PayPalProvider(client_id, env.get("PAYPAL_CLIENT_SECRET", ""),
                                                 api_base=env.get("PAYPAL_API_BASE"),
                                                 webhook_id=env.get("PAYPAL_WEBHOOK_ID"), http=http,
                                                 return_url=return_url,
                                                 production=env.get("PAYPAL_ENVIRONMENT") == "production")
        return cls(offline, providers)
