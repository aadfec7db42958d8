"""The policy registry: policies and their versions.

Revision ID: documents_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "documents_0001"
down_revision = None
branch_labels = ("documents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents_policies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "documents_policy_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "policy_id",
            sa.Integer,
            sa.ForeignKey("documents_policies.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("owner_role", sa.String(200), nullable=False),
        sa.Column("amendments", sa.Text),
        sa.Column("file_name", sa.String(255)),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("file_content", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("policy_id", "number", name="uq_documents_policy_versions_number"),
    )


def downgrade() -> None:
    op.drop_table("documents_policy_versions")
    op.drop_table("documents_policies")
