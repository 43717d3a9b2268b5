"""The order lifecycle: PLACED becomes PENDING_PAYMENT; an order records its expiry, payment,
refunds, cancellation reason, shipment and when it entered each state; the events tables.

Existing orders keep their status (PLACED renamed) and get no expiry: they never expire, as
before. What the old schema did not record (when an order was paid, its payment) stays empty.
Downgrading maps the states the old schema lacks onto its nearest: FULFILLED and
PARTIALLY_REFUNDED to PAID, REFUNDED to CANCELLED.

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

TIMES = ("paid_at", "fulfilled_at", "shipped_at", "delivered_at", "cancelled_at")
orders = sa.table("orders", sa.column("status", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("refunded", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("cancel_reason", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("carrier", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("tracking_number", sa.String(length=100), nullable=True))
        for name in TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_orders_expires_at", ["expires_at"])
        batch.create_index("ix_orders_status", ["status"])
    with op.batch_alter_table("orders") as batch:  # the default only filled existing rows
        batch.alter_column("refunded", server_default=None, existing_type=sa.Integer(), existing_nullable=False)
    _rename_status({"PLACED": "PENDING_PAYMENT"})
    create_events_tables()


def downgrade() -> None:
    drop_events_tables()
    _rename_status({"PENDING_PAYMENT": "PLACED", "FULFILLED": "PAID", "PARTIALLY_REFUNDED": "PAID",
                    "REFUNDED": "CANCELLED"})
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_status")
        batch.drop_index("ix_orders_expires_at")
        for name in (*reversed(TIMES), "tracking_number", "carrier", "cancel_reason", "refunded", "payment_id",
                     "expires_at"):
            batch.drop_column(name)


def _rename_status(renames: dict[str, str]) -> None:
    for old, new in renames.items():
        op.execute(orders.update().where(orders.c.status == old).values(status=new))
