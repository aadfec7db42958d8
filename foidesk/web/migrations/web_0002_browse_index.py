"""A covering index for browsing the log by date and subject.

Browsing, counting and facet queries read only these columns; the index spares them
reading the wide rows that hold each letter.

Revision ID: web_0002
Revises: web_0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "web_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_web_responses_browse", "web_responses", ["published_on", "subject", "reference"]
    )


def downgrade() -> None:
    op.drop_index("ix_web_responses_browse", table_name="web_responses")
