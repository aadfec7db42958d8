"""PostgreSQL: the search index takes each publication into its main structure at once.

By default a GIN index keeps new entries in an unsorted pending list until a vacuum or
4 MB of them, and every search reads that whole list. The log gains one response at a
time and is searched far more often than written, so the list only slows searches: with
a few thousand responses pending, finding a word took ten times as long. Turning
``fastupdate`` off puts each entry in place when published; the pending list left by
earlier publications is merged now.

Revision ID: web_0004
Revises: web_0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "web_0004"
down_revision = "web_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_web_responses_search SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('ix_web_responses_search'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_web_responses_search RESET (fastupdate)")
