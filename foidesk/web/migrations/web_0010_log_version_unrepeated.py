"""The log's version never comes round again: each change sets it to a new random number.

Adding one (web_0009) repeats a number when a change is rolled back: a search made
inside that transaction, which sees the change, keeps what it found under the next
number, and the next change that is committed arrives at that number with a different
log. A random number for each change repeats none in practice, rolled back or not;
searches only ever ask whether the version is the one they kept things under. On SQLite
it is 62 bits of ``random()``. PostgreSQL's ``random()`` gives 52 bits (48 before
PostgreSQL 15) and repeats its numbers after a ``setseed()`` on the same connection, as a
pooled one may have had; web_0011 takes PostgreSQL's versions from a sequence instead.

Revision ID: web_0010
Revises: web_0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "web_0010"
down_revision = "web_0009"
branch_labels = None
depends_on = None

_NEW = {
    "sqlite": "abs(random() % 4611686018427387904)",
    "postgresql": "floor(random() * 4611686018427387904)::bigint",
}
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _set_version_to(value: str) -> None:
    bump = f"UPDATE web_log_version SET version = {value}"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION web_log_version_bump() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                {bump};
                RETURN NULL;
            END
            $$
            """
        )
        return
    for event in _EVENTS:
        op.execute(f"DROP TRIGGER web_log_version_{event.lower()}")
        op.execute(
            f"CREATE TRIGGER web_log_version_{event.lower()} AFTER {event} ON web_responses "
            f"BEGIN {bump}; END"
        )


def upgrade() -> None:
    _set_version_to(_NEW[op.get_bind().dialect.name])


def downgrade() -> None:
    _set_version_to("version + 1")
