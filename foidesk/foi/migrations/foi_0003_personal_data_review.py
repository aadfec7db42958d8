"""The personal-data review of what the disclosure log would show for a request.

Revision ID: foi_0003_personal_data
Revises: foi_0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0003_personal_data"
down_revision = "foi_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "foi_personal_data_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("foi_requests.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", sa.DateTime, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("decisions", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("foi_personal_data_reviews")
