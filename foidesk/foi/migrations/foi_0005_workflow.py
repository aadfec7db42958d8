"""The facts the workflow's later steps record, and a version for concurrent changes.

Acknowledgement, withdrawal by the requester, transfer to another authority, the approved
content's fingerprint, a reminder and closing date for a clarification, the lapse of a fee,
an extension's override reason, and an ICO decision notice's compliance period, compliance
and First-tier Tribunal appeal. ``version`` lets two people acting on one request at the
same moment find out, rather than one silently overwriting the other.

Revision ID: foi_0005
Revises: foi_0004_messages
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0005"
down_revision = "foi_0004_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("foi_requests") as batch:
        batch.add_column(sa.Column("acknowledged_on", sa.Date))
        batch.add_column(sa.Column("withdrawn_on", sa.Date))
        batch.add_column(sa.Column("withdrawal_reason", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("transferred_on", sa.Date))
        batch.add_column(sa.Column("transferred_to", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("approved_fingerprint", sa.String(64)))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    with op.batch_alter_table("foi_clarifications") as batch:
        batch.add_column(sa.Column("reminded_on", sa.Date))
        batch.add_column(sa.Column("closed_on", sa.Date))
    with op.batch_alter_table("foi_fee_notices") as batch:
        batch.add_column(sa.Column("lapsed_on", sa.Date))
    with op.batch_alter_table("foi_extensions") as batch:
        batch.add_column(sa.Column("override_reason", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("foi_ico_appeals") as batch:
        batch.add_column(sa.Column("compliance_days", sa.Integer))
        batch.add_column(sa.Column("complied_on", sa.Date))
        batch.add_column(sa.Column("tribunal_lodged_on", sa.Date))
        batch.add_column(sa.Column("tribunal_decided_on", sa.Date))
        batch.add_column(sa.Column("tribunal_outcome", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("foi_ico_appeals") as batch:
        for name in (
            "tribunal_outcome",
            "tribunal_decided_on",
            "tribunal_lodged_on",
            "complied_on",
            "compliance_days",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("foi_extensions") as batch:
        batch.drop_column("override_reason")
    with op.batch_alter_table("foi_fee_notices") as batch:
        batch.drop_column("lapsed_on")
    with op.batch_alter_table("foi_clarifications") as batch:
        batch.drop_column("closed_on")
        batch.drop_column("reminded_on")
    with op.batch_alter_table("foi_requests") as batch:
        for name in (
            "version",
            "approved_fingerprint",
            "transferred_to",
            "transferred_on",
            "withdrawal_reason",
            "withdrawn_on",
            "acknowledged_on",
        ):
            batch.drop_column(name)
