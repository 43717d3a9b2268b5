"""Seed the payments' share of the deterministic marketplace, once: the payments, and the offline
provider's intents and refunds behind them (so they can be refunded like any other)."""

from __future__ import annotations

from sqlalchemy import func, select

from subgraphs.common import seeddata
from subgraphs.common.db import Database
from subgraphs.payments.models import OfflineIntent, OfflineRefund, Payment, Refund


async def seed(db: Database) -> bool:
    buyers = {o.id: o.buyer_id for o in seeddata.orders()}
    async with db.session() as session, session.begin():
        if await session.scalar(select(func.count(Payment.id))):
            return False
        for p in seeddata.payments():
            refunded = p.amount if p.status == "REFUNDED" else 0
            session.add(Payment(
                id=p.id, order_id=p.order_id, buyer_id=buyers[p.order_id], amount=p.amount,
                currency=seeddata.CURRENCY, status=p.status, refunded=refunded, refunded_settled=refunded,
                provider="offline", provider_ref=f"pi_seed_{p.id}", payment_method="pm_card_visa",
                live_order_id=p.order_id if p.status == "SUCCEEDED" else None,
                created_at=p.created_at, updated_at=p.created_at,
            ))
            session.add(OfflineIntent(
                id=f"pi_seed_{p.id}", idempotency_key=f"graft-pay-{p.id}", amount=p.amount,
                currency=seeddata.CURRENCY, payment_method="pm_card_visa", status="succeeded", refunded=refunded,
                payment_id=p.id, created_at=p.created_at,
            ))
            if refunded:
                session.add(Refund(payment_id=p.id, amount=refunded, provider_ref=f"re_seed_{p.id}",
                                   created_at=p.created_at))
                session.add(OfflineRefund(id=f"re_seed_{p.id}", idempotency_key=f"graft-refund-seed-{p.id}",
                                          intent_id=f"pi_seed_{p.id}", amount=refunded, created_at=p.created_at))
    await db.reset_sequences(["payments", "refunds"])
    return True
