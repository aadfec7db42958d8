"""What a part does not hold, and the s16 advice given with a request's response.

Revision ID: foi_0002
Revises: foi_0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0002"
down_revision = "foi_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A part can be answered in part and not held in part (e.g. charges are police data,
    # sentences are court data), which is not a refusal under an exemption.
    with op.batch_alter_table("foi_parts") as batch:
        batch.add_column(sa.Column("not_held", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("foi_requests") as batch:
        batch.add_column(sa.Column("advice", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("foi_requests") as batch:
        batch.drop_column("advice")
    with op.batch_alter_table("foi_parts") as batch:
        batch.drop_column("not_held")
