"""The package installs, its CLI answers, and the relational database migrates to what
the models declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from foidesk import __version__
from foidesk.cli import app
from foidesk.db import Base, SchemaNotCurrent, make_engine, open_session, upgrade

# Every module that declares tables, so that Base.metadata holds them all.
import foidesk.documents.models  # noqa: F401  isort: skip
import foidesk.foi.models  # noqa: F401  isort: skip
import foidesk.web.models  # noqa: F401  isort: skip

# Search structures only the migrations create, in one dialect's own terms: SQLite's FTS5
# table (and the shadow tables FTS5 keeps), PostgreSQL's generated tsvector columns and
# their GIN index. The models map neither; the search queries them by name.
MIGRATION_ONLY_TABLES = ("web_responses_fts",)
MIGRATION_ONLY_COLUMNS = {("web_responses", "search_vector"), ("web_responses", "rank_vector")}
MIGRATION_ONLY_INDEXES = {"ix_web_responses_search"}


def test_cli_prints_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def _declared(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    if kind == "table":
        return not (name or "").startswith(MIGRATION_ONLY_TABLES)
    if kind == "column":
        return (obj.table.name, name) not in MIGRATION_ONLY_COLUMNS
    if kind == "index":
        return name not in MIGRATION_ONLY_INDEXES
    return True


def _differences(db: str) -> list[Any]:
    upgrade(db)
    engine = make_engine(db)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": _declared, "compare_type": True}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_the_migrations_build_what_the_models_declare_on_sqlite(tmp_path: Path) -> None:
    assert _differences(f"sqlite:///{tmp_path / 'desk.sqlite'}") == []


@pytest.mark.postgres
def test_the_migrations_build_what_the_models_declare_on_postgresql(postgres_url: str) -> None:
    assert _differences(postgres_url) == []


def test_the_comparison_sees_a_model_the_migrations_lack(tmp_path: Path) -> None:
    # The check itself: an index declared on a model but created by no migration is found.
    from sqlalchemy import Index

    from foidesk.web.models import PublishedResponse

    extra = Index("ix_web_responses_decision", PublishedResponse.__table__.c.decision)
    try:
        found = _differences(f"sqlite:///{tmp_path / 'desk.sqlite'}")
    finally:
        PublishedResponse.__table__.indexes.discard(extra)
    assert [(d[0], d[1].name) for d in found] == [("add_index", "ix_web_responses_decision")]


def test_a_session_never_migrates(tmp_path: Path) -> None:
    # Migrations run once, by whoever owns the database; a session on a new file refuses
    # it, naming the command, and leaves it without a table.
    db = tmp_path / "register.sqlite"
    with pytest.raises(SchemaNotCurrent, match="foidesk db upgrade"):
        open_session(db)
    assert inspect(make_engine(db)).get_table_names() == []
    upgrade(db)
    with open_session(db) as session:
        assert session.execute(text("SELECT count(*) FROM foi_requests")).scalar_one() == 0
