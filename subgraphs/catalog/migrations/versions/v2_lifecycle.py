"""The order lifecycle: reservations expire, are committed by a payment and record why they were
released; the events tables (outbox, processed events, HTTP deliveries).

Existing reservations get no expiry: they are held until released, as before.

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


def upgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("release_reason", sa.String(length=20), nullable=True))
        batch.create_index("ix_reservations_expires_at", ["expires_at"])
    create_events_tables()


def downgrade() -> None:
    drop_events_tables()
    with op.batch_alter_table("reservations") as batch:
        batch.drop_index("ix_reservations_expires_at")
        batch.drop_column("release_reason")
        batch.drop_column("committed_at")
        batch.drop_column("expires_at")
