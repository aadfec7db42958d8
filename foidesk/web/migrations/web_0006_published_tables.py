"""The log keeps each response's table specifications and [c] pattern.

A later answer over the same records must be protected against the tables already
published: with these, the answer finds them on the log without naming them.

Revision ID: web_0006
Revises: web_0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0006"
down_revision = "web_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_responses") as batch:
        batch.add_column(sa.Column("tables", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("withheld", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("web_responses") as batch:
        batch.drop_column("withheld")
        batch.drop_column("tables")
