"""Jobs: the workspace's long work (computing tables, publishing) runs in the background.

Each job keeps its state, how far it has got and, at the end, where its result is or the
error that stopped it, so the page that follows it can show them after any restart.

Revision ID: web_0008
Revises: web_0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0008"
down_revision = "web_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
    )
    op.create_index("ix_web_jobs_reference", "web_jobs", ["reference", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_web_jobs_reference", table_name="web_jobs")
    op.drop_table("web_jobs")
