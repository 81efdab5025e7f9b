"""member units: whose news a recap and a post are, and where a post goes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recap") as batch:
        batch.add_column(sa.Column("unit", sa.String(length=32), nullable=True))
        batch.create_index("ix_recap_unit", ["unit"], unique=False)
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("unit", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("audience", sa.String(length=32), nullable=True))
        batch.create_index("ix_post_unit", ["unit"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.drop_index("ix_post_unit")
        batch.drop_column("audience")
        batch.drop_column("unit")
    with op.batch_alter_table("recap") as batch:
        batch.drop_index("ix_recap_unit")
        batch.drop_column("unit")
