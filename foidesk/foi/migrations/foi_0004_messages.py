"""Correspondence: every email to and from the requester, threaded by Message-ID.

Revision ID: foi_0004_messages
Revises: foi_0003_personal_data
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0004_messages"
down_revision = "foi_0003_personal_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "foi_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("foi_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False, unique=True),
        sa.Column("in_reply_to", sa.String(255), nullable=False, server_default=""),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_foi_messages_request", "foi_messages", ["request_id"])


def downgrade() -> None:
    op.drop_table("foi_messages")
