"""On PostgreSQL the log's version comes from a sequence, which never gives a number twice.

web_0010 set it to ``random()``, which on PostgreSQL has 52 bits (48 before PostgreSQL
15) and gives the same numbers again after a ``setseed()`` on the connection, which a
pooled connection may carry from whoever used it before. ``nextval()`` of
``web_log_version_seq`` is never rolled back and never repeats, and seeds do not touch
it. The sequence starts at a random number, as web_0009's version did, so a log deleted
and created again at the same address does not count through the versions of the one
before it. SQLite keeps web_0010's 62 random bits: it has no sequences.

Revision ID: web_0011
Revises: web_0010
Create Date: 2026-11-28
"""

from __future__ import annotations

import secrets

from alembic import op

revision = "web_0011"
down_revision = "web_0010"
branch_labels = None
depends_on = None


def _bump_with(value: str) -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION web_log_version_bump() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE web_log_version SET version = {value};
            RETURN NULL;
        END
        $$
        """
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Below 2**62, leaving more numbers than a log will ever have changes.
    op.execute(f"CREATE SEQUENCE web_log_version_seq START WITH {secrets.randbelow(2**62)}")
    _bump_with("nextval('web_log_version_seq')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _bump_with("floor(random() * 4611686018427387904)::bigint")
    op.execute("DROP SEQUENCE web_log_version_seq")
