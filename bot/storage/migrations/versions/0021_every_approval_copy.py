"""every copy of an approval request an admin received, not only the newest

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every copy but the newest of each admin's copies of a post (what one per admin keeps).
_OLDER_COPIES = """
DELETE FROM approvalmessage
WHERE EXISTS (
    SELECT 1 FROM approvalmessage AS newer
    WHERE newer.post_id = approvalmessage.post_id
      AND newer.chat_id = approvalmessage.chat_id
      AND newer.id > approvalmessage.id
)
"""


def upgrade() -> None:
    # The rows kept so far (one copy per admin) all stay: they satisfy the wider constraint.
    with op.batch_alter_table("approvalmessage") as batch:
        batch.drop_constraint("uq_approval_post_chat", type_="unique")
        batch.create_unique_constraint("uq_approval_copy", ["post_id", "chat_id", "message_id"])


def downgrade() -> None:
    # One copy per admin again: the newest, as the code of 0020 kept it.
    op.execute(_OLDER_COPIES)
    with op.batch_alter_table("approvalmessage") as batch:
        batch.drop_constraint("uq_approval_copy", type_="unique")
        batch.create_unique_constraint("uq_approval_post_chat", ["post_id", "chat_id"])
