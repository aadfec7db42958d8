"""Account tokens: the command line acts as an account, never as a name typed in.

An account holder creates a token (``foidesk user token``); only its SHA-256 is stored, so
the database cannot give it away. A new token replaces the old.

Revision ID: web_0007
Revises: web_0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0007"
down_revision = "web_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64)))
        batch.add_column(sa.Column("token_created_at", sa.DateTime))
        batch.create_index("ix_web_users_token_hash", ["token_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.drop_index("ix_web_users_token_hash")
        batch.drop_column("token_created_at")
        batch.drop_column("token_hash")
