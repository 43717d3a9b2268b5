"""Payments end to end: a payment's method, next action, failure, settled refunds, last change
and reconciliation lease; refunds with a status, source and retry claim; the per-order gate,
applied webhooks, the offline provider's intents and refunds; the events tables.

Existing payments count their refunds as settled and last changed when made; existing refunds
were made by Graft and succeeded, as the old schema only recorded those. Downgrading maps the
statuses the old schema lacks onto its nearest: REQUIRES_ACTION and PROCESSING to PENDING,
CANCELED to FAILED, DISPUTED to SUCCEEDED.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from subgraphs.common.events.migration import create_events_tables, drop_events_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

payments = sa.table("payments", sa.column("status", sa.String), sa.column("refunded", sa.Integer),
                    sa.column("refunded_settled", sa.Integer), sa.column("created_at", sa.DateTime),
                    sa.column("updated_at", sa.DateTime))


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("refunded_settled", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("payment_method", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("next_action_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failure_message", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_payments_provider_ref", ["provider_ref"])
        batch.create_index("ix_payments_updated_at", ["updated_at"])
    op.execute(payments.update().values(refunded_settled=payments.c.refunded, updated_at=payments.c.created_at))
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("refunded_settled", server_default=None, existing_type=sa.Integer(),
                           existing_nullable=False)
        batch.alter_column("updated_at", nullable=False, existing_type=sa.DateTime(timezone=True))
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), nullable=False, server_default="succeeded"))
        batch.add_column(sa.Column("source", sa.String(length=12), nullable=False, server_default="graft"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_refunds_status", ["status"])
    with op.batch_alter_table("refunds") as batch:  # the defaults only filled existing rows
        for name, type_ in (("status", sa.String(length=12)), ("source", sa.String(length=12)),
                            ("attempts", sa.Integer())):
            batch.alter_column(name, server_default=None, existing_type=type_, existing_nullable=False)
    _create_tables()
    create_events_tables()


def _create_tables() -> None:
    op.create_table(
        "order_gates",
        sa.Column("order_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id"),
    )
    op.create_table(
        "offline_intents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_table(
        "offline_refunds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("intent_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["intent_id"], ["offline_intents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_offline_refunds_intent_id", "offline_refunds", ["intent_id"])


def downgrade() -> None:
    drop_events_tables()
    op.drop_index("ix_offline_refunds_intent_id", table_name="offline_refunds")
    for table in ("offline_refunds", "offline_intents", "webhook_events", "order_gates"):
        op.drop_table(table)
    for old, new in (("REQUIRES_ACTION", "PENDING"), ("PROCESSING", "PENDING"), ("CANCELED", "FAILED"),
                     ("DISPUTED", "SUCCEEDED")):
        op.execute(payments.update().where(payments.c.status == old).values(status=new))
    with op.batch_alter_table("refunds") as batch:
        batch.drop_index("ix_refunds_status")
        for name in ("claimed_until", "attempts", "source", "status"):
            batch.drop_column(name)
    with op.batch_alter_table("payments") as batch:
        batch.drop_index("ix_payments_updated_at")
        batch.drop_index("ix_payments_provider_ref")
        for name in ("lease_until", "updated_at", "failure_message", "next_action_url", "payment_method",
                     "refunded_settled"):
            batch.drop_column(name)
