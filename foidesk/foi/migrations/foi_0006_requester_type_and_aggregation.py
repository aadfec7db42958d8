"""The requester's type for the s45 statistics, and requests aggregated under regulation 5.

``requester_type`` (individual, media, business, ...) is recorded when a request is logged
and read only by officers and the statistics. ``foi_aggregations`` links a request to
another it is aggregated with for the s12 estimate; each link is kept on both requests.

Revision ID: foi_0006
Revises: foi_0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0006"
down_revision = "foi_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("foi_requests") as batch:
        batch.add_column(
            sa.Column("requester_type", sa.String(40), nullable=False, server_default="")
        )
    op.create_table(
        "foi_aggregations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("foi_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("other_reference", sa.String(64), nullable=False),
        sa.Column("linked_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("request_id", "other_reference"),
    )


def downgrade() -> None:
    op.drop_table("foi_aggregations")
    with op.batch_alter_table("foi_requests") as batch:
        batch.drop_column("requester_type")
