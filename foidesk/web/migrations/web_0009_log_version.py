"""The log's version: a number the database moves on with every change to the log.

``web_log_version`` holds one row. Triggers on ``web_responses`` add one to it in the same
transaction as every insert, update and delete (a publication, a republication, a
withdrawal, an edit, from the app, the command line or any other writer), so whoever
reads the number knows whether the log changed since it last read it. Searches key what
they keep by it (``foidesk.web.search_cache``).

It starts at a random number rather than zero, so a log deleted and created again at
the same address does not count through the versions of the one before it.

Revision ID: web_0009
Revises: web_0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "web_0009"
down_revision = "web_0008"
branch_labels = None
depends_on = None

_BUMP = "UPDATE web_log_version SET version = version + 1"
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER web_log_version_{event.lower()} AFTER {event} ON web_responses "
    f"BEGIN {_BUMP}; END"
    for event in ("INSERT", "UPDATE", "DELETE")
]
_POSTGRES_FUNCTION = f"""
CREATE FUNCTION web_log_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_BUMP};
    RETURN NULL;
END
$$
"""
_POSTGRES_TRIGGER = """
CREATE TRIGGER web_log_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON web_responses
FOR EACH STATEMENT EXECUTE FUNCTION web_log_version_bump()
"""


def upgrade() -> None:
    op.create_table(
        "web_log_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO web_log_version (id, version) VALUES (1, :start)").bindparams(
            start=secrets.randbelow(2**62)
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER web_log_version_bump ON web_responses")
        op.execute("DROP FUNCTION web_log_version_bump()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER web_log_version_{event}")
    op.drop_table("web_log_version")
