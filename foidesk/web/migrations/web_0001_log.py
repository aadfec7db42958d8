"""The disclosure log, its full-text index, workspace users and login attempts.

Revision ID: web_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0001"
down_revision = None
branch_labels = ("web",)
depends_on = None

# Fields searched, most telling first; PostgreSQL weights them A to D.
_SQLITE_FTS = """
CREATE VIRTUAL TABLE web_responses_fts USING fts5(
    reference, title, subject, request_text, search_text,
    content='web_responses', content_rowid='id', tokenize='porter unicode61'
)
"""
_SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER web_responses_fts_insert AFTER INSERT ON web_responses BEGIN
        INSERT INTO web_responses_fts(rowid, reference, title, subject, request_text, search_text)
        VALUES (new.id, new.reference, new.title, new.subject, new.request_text, new.search_text);
    END
    """,
    """
    CREATE TRIGGER web_responses_fts_delete AFTER DELETE ON web_responses BEGIN
        INSERT INTO web_responses_fts(web_responses_fts, rowid, reference, title, subject,
                                      request_text, search_text)
        VALUES ('delete', old.id, old.reference, old.title, old.subject, old.request_text,
                old.search_text);
    END
    """,
    """
    CREATE TRIGGER web_responses_fts_update AFTER UPDATE ON web_responses BEGIN
        INSERT INTO web_responses_fts(web_responses_fts, rowid, reference, title, subject,
                                      request_text, search_text)
        VALUES ('delete', old.id, old.reference, old.title, old.subject, old.request_text,
                old.search_text);
        INSERT INTO web_responses_fts(rowid, reference, title, subject, request_text, search_text)
        VALUES (new.id, new.reference, new.title, new.subject, new.request_text, new.search_text);
    END
    """,
]
_POSTGRES_VECTOR = """
ALTER TABLE web_responses ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(reference, '') || ' ' || coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(subject, '')), 'B')
    || setweight(to_tsvector('english', coalesce(request_text, '')), 'C')
    || setweight(to_tsvector('english', coalesce(search_text, '')), 'D')
) STORED
"""


def upgrade() -> None:
    op.create_table(
        "web_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("subject", sa.String(200), nullable=False, index=True),
        sa.Column("published_on", sa.Date, nullable=False, index=True),
        sa.Column("request_text", sa.Text, nullable=False),
        sa.Column("decision", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("exemptions", sa.JSON, nullable=False),
        sa.Column("letter_html", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "web_attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "response_id",
            sa.Integer,
            sa.ForeignKey("web_responses.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("response_id", "filename"),
    )
    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(120), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "web_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_web_login_attempts_who_when",
        "web_login_attempts",
        ["username", "address", "attempted_at"],
    )
    op.create_table(
        "web_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_FTS)
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
    elif dialect == "postgresql":
        op.execute(_POSTGRES_VECTOR)
        op.execute(
            "CREATE INDEX ix_web_responses_search ON web_responses USING gin (search_vector)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS web_responses_fts")
    for table in (
        "web_settings",
        "web_login_attempts",
        "web_users",
        "web_attachments",
        "web_responses",
    ):
        op.drop_table(table)
