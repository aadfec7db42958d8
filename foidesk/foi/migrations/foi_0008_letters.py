"""Letters issued to the requester, and the facts two of them state.

``foi_letters`` keeps each letter issued: its kind, the date it bears, who issued it and
its files. An extension's ``reason`` is why more time is needed (the s17(2) notice says
it); an internal review's ``result`` (upheld, overturned, partly upheld) and ``changes``
(what the review changes in the response) are what its outcome letter says.

Revision ID: foi_0008_letters
Revises: foi_0007_refusals
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0008_letters"
down_revision = "foi_0007_refusals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "foi_letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("foi_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_foi_letters_request", "foi_letters", ["request_id"])
    with op.batch_alter_table("foi_extensions") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("foi_internal_reviews") as batch:
        batch.add_column(sa.Column("result", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("changes", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("foi_internal_reviews") as batch:
        batch.drop_column("changes")
        batch.drop_column("result")
    with op.batch_alter_table("foi_extensions") as batch:
        batch.drop_column("reason")
    op.drop_table("foi_letters")
