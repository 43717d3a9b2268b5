"""A provider that needs no network: for `make run` and development.

It answers Stripe's documented test payment methods the way Stripe does, so flows that
work offline work against Stripe too."""

from __future__ import annotations

import hashlib

from subgraphs.payments.providers.base import Charge, ProviderError

DECLINES = {
    "pm_card_chargeDeclined": "Your card was declined.",
    "pm_card_chargeDeclinedInsufficientFunds": "Your card has insufficient funds.",
    "pm_card_chargeDeclinedExpiredCard": "Your card has expired.",
}


class OfflineProvider:
    name = "offline"

    async def charge(self, *, amount: int, currency: str, payment_method: str, idempotency_key: str,
                     description: str) -> Charge:
        if not payment_method.startswith("pm_"):
            raise ProviderError(f"Unknown payment method {payment_method!r}", "BAD_USER_INPUT")
        if message := DECLINES.get(payment_method):
            raise ProviderError(message, "CARD_DECLINED")
        return Charge(reference=_reference("pi_offline", idempotency_key))

    async def refund(self, *, charge_reference: str, amount: int, idempotency_key: str) -> Charge:
        return Charge(reference=_reference("re_offline", idempotency_key))

    async def close(self) -> None:
        return None


def _reference(prefix: str, key: str) -> str:
    """Deterministic per idempotency key, as a provider's would be."""
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:24]}"
