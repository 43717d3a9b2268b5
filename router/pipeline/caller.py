"""Who sent a request: verified token claims (or none) and the client's address."""

from __future__ import annotations

from dataclasses import dataclass

from auth.tokens import Claims

ANONYMOUS_TIER = "anonymous"
SHOPPER_TIER = "shopper"
PARTNER_TIER = "partner"


@dataclass(frozen=True)
class Caller:
    """Claims are None for an anonymous caller; a bad token never gets this far (401)."""

    claims: Claims | None
    address: str

    @property
    def tier(self) -> str:
        """Rate and operation-limit tier: a partner's own tier claim, else shopper or anonymous."""
        if self.claims is None:
            return ANONYMOUS_TIER
        if self.claims.kind == "client":
            return str(self.claims.raw.get("tier") or PARTNER_TIER)
        return SHOPPER_TIER

    @property
    def key(self) -> str:
        """One identity per caller: partner client_id, else user subject, else address."""
        if self.claims is not None and self.claims.client_id and self.claims.kind == "client":
            return f"client:{self.claims.client_id}"
        if self.claims is not None:
            return f"sub:{self.claims.subject}"
        return f"ip:{self.address}"

    @property
    def scopes(self) -> frozenset[str]:
        return self.claims.scopes if self.claims else frozenset()
