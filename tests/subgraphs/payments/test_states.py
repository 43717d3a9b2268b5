"""The payment state machine: its table, and moves as conditional writes that one writer wins."""

import asyncio

from subgraphs.payments import states
from subgraphs.payments.models import Payment
from subgraphs.payments.states import SOURCES, Status
from tests.subgraphs.payments.support import outbox, payment_row


def test_every_status_is_reachable_only_from_where_the_table_says():
    assert set(SOURCES) == set(Status)
    assert SOURCES[Status.PENDING] == frozenset()  # only ever created so
    never_left = {s for s in Status if not any(s in sources for sources in SOURCES.values())}
    assert never_left == {Status.DISPUTED}  # FAILED and CANCELED are left only by a late success
    assert {s for s in Status if Status.SUCCEEDED in SOURCES[s]} == {
        Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.DISPUTED}
    assert SOURCES[Status.SUCCEEDED] == {*states.UNDER_WAY, Status.FAILED, Status.CANCELED}


async def _new(db, status: Status) -> Payment:
    async with db.session() as session, session.begin():
        payment = Payment(order_id=9001, buyer_id=1, amount=1000, currency="USD", status=status.value,
                          provider="offline", live_order_id=9001)
        session.add(payment)
    return payment


async def test_racing_moves_one_wins_and_only_its_event_is_published(payments):
    payment = await _new(payments.db, Status.REQUIRES_ACTION)

    async def move(target: Status) -> bool:
        async with payments.db.session() as session, session.begin():
            return await states.move(session, await session.get_one(Payment, payment.id), target,
                                     {"failure_message": "declined"} if target is Status.FAILED else None)

    targets = (Status.SUCCEEDED, Status.FAILED, Status.CANCELED)
    results = await asyncio.gather(*(move(target) for target in targets))
    won = [target for target, moved in zip(targets, results) if moved]
    row = await payment_row(payments.db, payment.id)
    # One of them wins from REQUIRES_ACTION; only a success may follow, from FAILED or CANCELED (a
    # late success), which one is first being up to the database's write lock.
    assert len(won) == 1 or (len(won) == 2 and Status.SUCCEEDED in won), won
    assert row.status == (Status.SUCCEEDED if Status.SUCCEEDED in won else won[0]).value
    published = [t for t, _ in await outbox(payments.db)]
    events = {Status.SUCCEEDED: ["payment.succeeded"], Status.FAILED: ["payment.failed"], Status.CANCELED: []}
    assert sorted(published) == sorted(event for target in won for event in events[target])
    # a late success does not take back the order's live slot (outcomes.record refunds it)
    assert (row.live_order_id is not None) == (won == [Status.SUCCEEDED])


async def test_a_move_the_status_does_not_allow_changes_nothing(payments):
    payment = await _new(payments.db, Status.PENDING)
    async with payments.db.session() as session, session.begin():
        assert not await states.move(session, payment, Status.REFUNDED)
        assert not await states.move(session, payment, Status.DISPUTED)
    row = await payment_row(payments.db, payment.id)
    assert (row.status, row.live_order_id) == ("PENDING", 9001) and await outbox(payments.db) == []
    refusal = states.refusal(payment.id, row.status, "refunded")
    assert refusal.message == f"Payment {payment.id} is PENDING and cannot be refunded"
    assert refusal.extensions == {"code": "CONFLICT", "paymentId": str(payment.id)}
