"""PostgreSQL: a small tsvector of the headline fields for ranking.

Matching uses the full ``search_vector`` (letter included) through its GIN index; ranking
by it would unpack every matching row's large vector. ``rank_vector`` holds only the
reference, title, subject and request text, so ranking reads a fraction of the data.
SQLite's FTS5 ranks within its own index and needs nothing here.

Revision ID: web_0003
Revises: web_0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "web_0003"
down_revision = "web_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        ALTER TABLE web_responses ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', coalesce(reference, '') || ' '
                                             || coalesce(title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(subject, '')), 'B')
            || setweight(to_tsvector('english', coalesce(request_text, '')), 'C')
        ) STORED
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE web_responses DROP COLUMN rank_vector")
