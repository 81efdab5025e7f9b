"""fair rotation: why a recap was chosen; the units each follower follows

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("rotation_waiting", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("rotation_last_featured", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("subscriber") as batch:
        batch.add_column(sa.Column("units", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriber") as batch:
        batch.drop_column("units")
    with op.batch_alter_table("post") as batch:
        batch.drop_column("rotation_last_featured")
        batch.drop_column("rotation_waiting")
