"""The order events payments consumes, applied once however often they come, and payOrder racing
the order's cancellation, on SQLite and PostgreSQL."""

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from subgraphs.common import seeddata
from subgraphs.common.events import AlreadyApplied
from subgraphs.payments import refunding
from subgraphs.payments.models import OfflineIntent, OfflineRefund, Payment, Refund
from subgraphs.payments.service import events
from subgraphs.payments.webhooks import DB, PROVIDERS
from tests.subgraphs.payments.support import (
    PAY, cancelled, expired, outbox, payment_row, refund_requested, refunds_of, state,
)
from tests.support.apps import ADMIN, bearer

# unpaid orders of the demo shopper: every tenth
UNPAID = [o.id for o in seeddata.orders() if o.status == "PENDING_PAYMENT" and o.buyer_id == 1]


def _handlers(payments):
    return events().handlers(payments.client.app)


async def _deliver(handler, event, times: int) -> int:
    """Deliver `event` `times` times at once; how many were applied (not AlreadyApplied)."""
    results = await asyncio.gather(*(handler(event) for _ in range(times)), return_exceptions=True)
    assert all(r is None or isinstance(r, AlreadyApplied) for r in results), results
    return sum(r is None for r in results)


async def _pay(payments, order_id: int, method: str = "pm_card_visa") -> dict:
    body = await payments.execute(PAY, {"o": str(order_id), "m": method}, bearer(1))
    return body["data"]["payOrder"]


async def test_order_cancelled_refunds_a_paid_order_once(payments):
    payment = await _pay(payments, UNPAID[0])
    event = cancelled(UNPAID[0], was_paid=True)
    assert await _deliver(_handlers(payments)["order.cancelled"], event, 3) == 1
    assert await _deliver(_handlers(payments)["order.cancelled"], event, 1) == 0
    row = await payment_row(payments.db, payment["id"])
    assert (row.status, row.refunded_settled, row.live_order_id) == ("REFUNDED", row.amount, None)
    async with payments.db.session() as session:
        assert await session.scalar(select(func.sum(OfflineRefund.amount))
                                    .where(OfflineRefund.intent_id == row.provider_ref)) == row.amount
    assert [p["refunded"] for _, p in await outbox(payments.db, "payment.refunded")] == [row.amount]


async def test_order_expired_cancels_a_payment_awaiting_the_payer(payments):
    payment = await _pay(payments, UNPAID[1], "pm_card_threeDSecure2Required")
    assert await _deliver(_handlers(payments)["order.expired"], expired(UNPAID[1]), 2) == 1
    row = await payment_row(payments.db, payment["id"])
    assert (row.status, row.live_order_id) == ("CANCELED", None)
    async with payments.db.session() as session:
        assert (await session.get_one(OfflineIntent, row.provider_ref)).status == "canceled"
    refused = await payments.execute(PAY, {"o": str(UNPAID[1]), "m": "pm_card_visa"}, bearer(1))
    assert refused["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_refund_requested_refunds_that_payment(payments):
    payment = await _pay(payments, UNPAID[2])
    body = await payments.execute("mutation($id: ID!) { refundPayment(id: $id, amount: {amount: 100}) { status } }",
                                  {"id": payment["id"]}, bearer(2, ADMIN))
    assert body["data"]["refundPayment"]["status"] == "PARTIALLY_REFUNDED"
    event = refund_requested(UNPAID[2], int(payment["id"]))
    assert await _deliver(_handlers(payments)["order.refund_requested"], event, 2) == 1
    row = await payment_row(payments.db, payment["id"])
    assert row.status == "REFUNDED"
    assert [r.amount for r in await refunds_of(payments.db, row.id)] == [100, row.amount - 100]


async def test_a_refund_lost_in_a_crash_is_made_once_by_the_sweeper(payments):
    payment = await _pay(payments, UNPAID[3])
    row = await payment_row(payments.db, payment["id"])
    async with payments.db.session() as session, session.begin():  # reserved, then the process died
        refund = await refunding.reserve(session, row)
        refund.claimed_until = None
    app = payments.client.app
    assert await refunding.sweep(app[DB], app[PROVIDERS], 10) == 1
    assert await refunding.sweep(app[DB], app[PROVIDERS], 10) == 0
    assert (await payment_row(payments.db, row.id)).status == "REFUNDED"
    async with payments.db.session() as session:
        assert await session.scalar(select(func.count(OfflineRefund.id))
                                    .where(OfflineRefund.intent_id == row.provider_ref)) == 1
    # the provider did it but the answer was lost: asking again with the same key makes no second refund
    async with payments.db.session() as session, session.begin():
        await session.execute(Refund.__table__.update().where(Refund.id == refund.id)
                              .values(status="pending", claimed_until=None))
    assert await refunding.sweep(app[DB], app[PROVIDERS], 10) == 1
    async with payments.db.session() as session:
        assert await session.scalar(select(func.count(OfflineRefund.id))
                                    .where(OfflineRefund.intent_id == row.provider_ref)) == 1


async def _money_kept(payments, order_id: int) -> int:
    """What the offline provider holds for the order: taken minus given back."""
    async with payments.db.session() as session:
        ids = [p.provider_ref for p in await session.scalars(select(Payment).where(Payment.order_id == order_id))]
        taken = await session.scalar(select(func.coalesce(func.sum(OfflineIntent.amount), 0)).where(
            OfflineIntent.id.in_(ids), OfflineIntent.status == "succeeded"))
        returned = await session.scalar(select(func.coalesce(func.sum(OfflineRefund.amount), 0)).where(
            OfflineRefund.intent_id.in_(ids)))
    return int(taken) - int(returned)


@pytest.mark.parametrize("rounds", [20])
async def test_pay_racing_cancel_never_keeps_the_money_of_a_closed_order(payments, rounds):
    handler = _handlers(payments)["order.cancelled"]
    outcomes: Counter[str] = Counter()
    for i, order_id in enumerate(UNPAID[4:4 + rounds]):
        async def cancel(delay: float = (i % 5) * 0.005, order_id: int = order_id) -> None:
            await asyncio.sleep(delay)  # land before, inside or after the payment, round by round
            await handler(cancelled(order_id))

        paid, _ = await asyncio.gather(
            payments.execute(PAY, {"o": str(order_id), "m": "pm_card_visa"}, bearer(1)), cancel())
        if paid.get("data"):
            outcomes["paid, then refunded by the handler"] += 1
        elif "was closed while it was being paid" in paid["errors"][0]["message"]:
            outcomes["paid after the close, refunded at once by payOrder"] += 1
        else:
            assert "is closed" in paid["errors"][0]["message"], paid
            outcomes["refused: the order was closed"] += 1
        assert await _money_kept(payments, order_id) == 0, (order_id, paid)
        async with payments.db.session() as session:
            statuses = set(await session.scalars(select(Payment.status).where(Payment.order_id == order_id)))
        assert statuses <= {"REFUNDED", "CANCELED", "FAILED"}, (order_id, statuses, paid)
    print(dict(outcomes))
    snapshot = await state(payments.db)
    assert all(status == "succeeded" for *_, status in snapshot["refunds"])
