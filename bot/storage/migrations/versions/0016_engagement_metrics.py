"""engagement: metrics per publication and per channel, Telegram reaction totals, which
insights metrics a Page serves, channels whose collection is held

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_measurement_publication_at", "measurement", ["publication_id", "measured_at"]
    )
    op.create_table(
        "channel_measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_channel_measurement_at",
        "channel_measurement",
        ["channel", "metric", "measured_at"],
    )
    op.create_table(
        "reaction_count",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("reaction", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "message_id", "reaction"),
    )
    op.create_table(
        "insight_support",
        sa.Column("page_id", sa.String(length=64), nullable=False),
        sa.Column("api_version", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("served", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("page_id", "api_version", "metric"),
    )
    op.create_table(
        "collection_hold",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("held_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("collection_hold")
    op.drop_table("insight_support")
    op.drop_table("reaction_count")
    op.drop_index("ix_channel_measurement_at", table_name="channel_measurement")
    op.drop_table("channel_measurement")
    op.drop_index("ix_measurement_publication_at", table_name="measurement")
    op.drop_table("measurement")
