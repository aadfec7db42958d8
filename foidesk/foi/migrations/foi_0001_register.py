"""The FOI register: requests, parts, exemptions, clock events, responses and audit trail.

Revision ID: foi_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "foi_0001"
down_revision = None
branch_labels = ("foi",)
depends_on = None


def _request_fk() -> sa.Column:
    return sa.Column(
        "request_id",
        sa.Integer,
        sa.ForeignKey("foi_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    op.create_table(
        "foi_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("requester_contact", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(40), nullable=False, index=True),
        sa.Column("receipt_rule", sa.String(40), nullable=False),
        sa.Column("submitted_by", sa.String(200)),
        sa.Column("submitted_on", sa.DateTime),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_on", sa.DateTime),
        sa.Column("responded_on", sa.Date),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "foi_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("decision", sa.String(40)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.UniqueConstraint("request_id", "number", name="uq_foi_parts_request_number"),
    )
    op.create_table(
        "foi_exemptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "part_id",
            sa.Integer,
            sa.ForeignKey("foi_parts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("section", sa.String(20), nullable=False),
        sa.Column("subsection", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("absolute", sa.Boolean, nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("applies_to", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("harm", sa.Text, nullable=False),
        sa.Column("factors_for", sa.JSON, nullable=False),
        sa.Column("factors_against", sa.JSON, nullable=False),
        sa.Column("balance", sa.Text, nullable=False),
    )
    op.create_table(
        "foi_clarifications",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("sought_on", sa.Date, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answered_on", sa.Date),
        sa.Column("answer", sa.Text, nullable=False),
    )
    op.create_table(
        "foi_fee_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("paid_on", sa.Date),
    )
    op.create_table(
        "foi_extensions",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("exemption", sa.String(40), nullable=False),
        sa.Column("notified_on", sa.Date, nullable=False),
        sa.Column("new_due", sa.Date, nullable=False),
    )
    op.create_table(
        "foi_cost_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("activity", sa.String(40), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("minutes_per_record", sa.Numeric(8, 2), nullable=False),
        sa.Column("part_number", sa.Integer),
    )
    op.create_table(
        "foi_internal_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("exceptional", sa.Boolean, nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(200)),
    )
    op.create_table(
        "foi_ico_appeals",
        sa.Column("id", sa.Integer, primary_key=True),
        _request_fk(),
        sa.Column("lodged_on", sa.Date, nullable=False),
        sa.Column("ico_reference", sa.String(64), nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_table(
        "foi_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("field", sa.String(80), nullable=False),
        sa.Column("old", sa.JSON),
        sa.Column("new", sa.JSON),
    )


def downgrade() -> None:
    for table in (
        "foi_audit",
        "foi_ico_appeals",
        "foi_internal_reviews",
        "foi_cost_lines",
        "foi_extensions",
        "foi_fee_notices",
        "foi_clarifications",
        "foi_exemptions",
        "foi_parts",
        "foi_requests",
    ):
        op.drop_table(table)
