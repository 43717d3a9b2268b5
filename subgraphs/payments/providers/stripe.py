"""Stripe through the official SDK's async client (aiohttp), every call idempotent."""

from __future__ import annotations

import stripe

from subgraphs.payments.providers.base import Charge, ProviderError


class StripeProvider:
    name = "stripe"

    def __init__(self, api_key: str, api_base: str | None = None, max_network_retries: int = 2) -> None:
        self.http_client = stripe.AIOHTTPClient(timeout=20)
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self.http_client,
        )

    async def charge(self, *, amount: int, currency: str, payment_method: str, idempotency_key: str,
                     description: str) -> Charge:
        params = {
            "amount": amount, "currency": currency.lower(), "payment_method": payment_method,
            "confirm": True, "description": description,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        }
        intent = await self._call(self.client.v1.payment_intents.create_async, params, idempotency_key)
        if intent.status != "succeeded":
            raise ProviderError(f"Payment is {intent.status}, not succeeded", "PAYMENT_INCOMPLETE")
        return Charge(reference=intent.id)

    async def refund(self, *, charge_reference: str, amount: int, idempotency_key: str) -> Charge:
        params = {"payment_intent": charge_reference, "amount": amount}
        refund = await self._call(self.client.v1.refunds.create_async, params, idempotency_key)
        return Charge(reference=refund.id)

    async def _call(self, method, params: dict, idempotency_key: str):
        try:
            return await method(params=params, options={"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            raise ProviderError(exc.user_message or "Your card was declined.", "CARD_DECLINED") from None
        except stripe.InvalidRequestError as exc:
            raise ProviderError(exc.user_message or "The payment request was invalid.", "BAD_USER_INPUT") from None
        except stripe.StripeError as exc:
            raise ProviderError("The payment provider is unavailable; try again.", "PROVIDER_UNAVAILABLE",
                                retryable=True) from exc

    async def close(self) -> None:
        await self.http_client.close_async()
