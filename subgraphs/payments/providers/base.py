"""What the payments subgraph needs from a provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    reference: str


class ProviderError(Exception):
    """The provider declined or failed; the message is safe for the client."""

    def __init__(self, message: str, code: str = "PAYMENT_FAILED", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class PaymentProvider(Protocol):
    name: str

    async def charge(self, *, amount: int, currency: str, payment_method: str, idempotency_key: str,
                     description: str) -> Charge: ...

    async def refund(self, *, charge_reference: str, amount: int, idempotency_key: str) -> Charge: ...

    async def close(self) -> None: ...
