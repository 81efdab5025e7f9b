"""how people know each channel; every message a publication became

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channelstate") as batch:
        batch.add_column(sa.Column("title", sa.String(length=256), nullable=True))
    with op.batch_alter_table("publication") as batch:
        batch.add_column(sa.Column("message_ids", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publication") as batch:
        batch.drop_column("message_ids")
    with op.batch_alter_table("channelstate") as batch:
        batch.drop_column("title")
