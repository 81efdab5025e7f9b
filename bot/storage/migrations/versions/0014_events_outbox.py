"""events outbox: what people must hear, and its delivery to each recipient

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("expanded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_event_expanded", "event", ["expanded"])
    op.create_table(
        "eventdelivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscriber", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "subscriber", "recipient", name="uq_event_delivery"),
    )
    op.create_index("ix_eventdelivery_event_id", "eventdelivery", ["event_id"])
    op.create_index("ix_eventdelivery_status", "eventdelivery", ["status"])


def downgrade() -> None:
    op.drop_index("ix_eventdelivery_status", table_name="eventdelivery")
    op.drop_index("ix_eventdelivery_event_id", table_name="eventdelivery")
    op.drop_table("eventdelivery")
    op.drop_index("ix_event_expanded", table_name="event")
    op.drop_table("event")
