"""tone and reasons of recaps and posts; no story twice; a rewrite beside its extractive body

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recap") as batch:
        batch.add_column(sa.Column("tone", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("tone_reasons", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("tone_mixed", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.create_index("ix_recap_content_hash", ["content_hash"])
        batch.create_foreign_key("fk_recap_duplicate_of", "recap", ["duplicate_of"], ["id"])
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("tone", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("tone_reasons", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("extractive_body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("rewrite_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.drop_column("rewrite_note")
        batch.drop_column("extractive_body")
        batch.drop_column("tone_reasons")
        batch.drop_column("tone")
    with op.batch_alter_table("recap") as batch:
        batch.drop_constraint("fk_recap_duplicate_of", type_="foreignkey")
        batch.drop_index("ix_recap_content_hash")
        batch.drop_column("duplicate_of")
        batch.drop_column("content_hash")
        batch.drop_column("tone_mixed")
        batch.drop_column("tone_reasons")
        batch.drop_column("tone")
