"""Accounts: a session generation per user, and a record of every change to an account.

Sign-out and password changes move a user's generation on, ending every session signed
in under an earlier one. ``web_account_events`` records who created, reset, changed,
deactivated or reactivated an account, and when.

Revision ID: web_0005
Revises: web_0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0005"
down_revision = "web_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer, nullable=False, server_default="0")
        )
    op.create_table(
        "web_account_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_web_account_events_username", "web_account_events", ["username"])


def downgrade() -> None:
    op.drop_index("ix_web_account_events_username", "web_account_events")
    op.drop_table("web_account_events")
    with op.batch_alter_table("web_users") as batch:
        batch.drop_column("session_generation")
