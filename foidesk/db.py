"""The relational database behind the register, policy registry and disclosure log.

One SQLAlchemy declarative ``Base`` for every concern that keeps state in a relational
database (SQLite file by default, PostgreSQL supported). Schema changes are Alembic
migrations; each concern keeps its own migration branch in ``<concern>/migrations`` so
that they evolve independently, and ``upgrade`` brings every branch to its head.

Migrations run once, by whoever owns the database: ``foidesk db upgrade``, each command of
the command line before it opens the register, and ``serve`` at start-up. Nothing else
migrates: ``check_schema`` refuses a database that is behind, naming the command to run.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

PACKAGE_DIR = Path(__file__).resolve().parent

# Concerns that own tables in this database, in the order their branches were created.
MIGRATION_BRANCHES = ("foi", "documents", "web")
SQLITE_BUSY_SECONDS = 60.0


# Alembic keeps its configuration in module globals while it runs: two migrations at once in
# one process trample each other, so they take turns.
_MIGRATING = threading.Lock()


class SchemaNotCurrent(RuntimeError):
    """The database is not at the schema this version of foidesk expects."""


class Base(DeclarativeBase):
    """Declarative base shared by every concern's models."""


def database_url(db: str | Path) -> str:
    """Turn a file path or URL into a SQLAlchemy URL (a bare path means a SQLite file)."""
    text = str(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def make_engine(db: str | Path, **options: object) -> Engine:
    """An engine for ``db``; SQLite gets foreign keys enforced, as PostgreSQL does.

    A SQLite writer waits up to ``SQLITE_BUSY_SECONDS`` for another's transaction (a whole
    request import is one) rather than failing with "database is locked".
    """
    url = database_url(db)
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_SECONDS})
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def alembic_config(db: str | Path) -> Config:
    """Alembic configuration over every concern's migration branch."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    locations = [
        str(PACKAGE_DIR / branch / "migrations")
        for branch in MIGRATION_BRANCHES
        if (PACKAGE_DIR / branch / "migrations").is_dir()
    ]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", database_url(db).replace("%", "%%"))
    return cfg


def upgrade(db: str | Path) -> None:
    """Bring the database at ``db`` to the head of every migration branch."""
    with _MIGRATING:
        command.upgrade(alembic_config(db), "heads")


@lru_cache(maxsize=1)
def schema_heads() -> frozenset[str]:
    """The revision at the head of every migration branch: what a current database records."""
    with _MIGRATING:
        return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check_schema(engine: Engine) -> None:
    """Refuse a database whose schema is behind (or not foidesk's), saying how to migrate it.

    One read of ``alembic_version``; no migration runs.
    """
    try:
        with engine.connect() as connection:
            found = {
                row[0]
                for row in connection.execute(text("SELECT version_num FROM alembic_version"))
            }
    except DBAPIError:
        found = set()
    if found != schema_heads():
        where = engine.url.render_as_string(hide_password=True)
        state = "has no foidesk schema" if not found else "is not at the current schema"
        raise SchemaNotCurrent(
            f"the database {where} {state}: run `foidesk db upgrade --db {where}` first"
        )


def open_session(db: str | Path) -> Session:
    """A session on ``db``, which must be at the current schema (``SchemaNotCurrent``
    otherwise): like the register, it never migrates."""
    engine = make_engine(db)
    try:
        check_schema(engine)
    except SchemaNotCurrent:
        engine.dispose()
        raise
    return sessionmaker(engine, expire_on_commit=False)()
