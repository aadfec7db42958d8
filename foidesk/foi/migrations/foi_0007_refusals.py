"""What the hard refusals need: who holds information the force does not, the tables that
answer a part, and the earlier notice a s14 refusal relies on under s17(6).

Revision ID: foi_0007_refusals
Revises: foi_0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0007_refusals"
down_revision = "foi_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("foi_parts") as batch:
        batch.add_column(sa.Column("held_by", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("tables", sa.JSON))
    with op.batch_alter_table("foi_exemptions") as batch:
        batch.add_column(
            sa.Column("earlier_reference", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("earlier_notice_on", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("foi_exemptions") as batch:
        batch.drop_column("earlier_notice_on")
        batch.drop_column("earlier_reference")
    with op.batch_alter_table("foi_parts") as batch:
        batch.drop_column("tables")
        batch.drop_column("held_by")
