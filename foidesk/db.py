"""The relational database behind the register, policy registry and disclosure log.

One SQLAlchemy declarative ``Base`` for every concern that keeps state in a relational
database (SQLite file by default, PostgreSQL supported). Schema changes are Alembic
migrations; each concern keeps its own migration branch in ``<concern>/migrations`` so
that they evolve independently, and ``upgrade`` brings every branch to its head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

PACKAGE_DIR = Path(__file__).resolve().parent

# Concerns that own tables in this database, in the order their branches were created.
MIGRATION_BRANCHES = ("foi", "documents", "web")
SQLITE_BUSY_SECONDS = 60.0


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
    command.upgrade(alembic_config(db), "heads")


def open_session(db: str | Path, *, migrate: bool = True) -> Session:
    """A session on ``db``, migrated first unless told otherwise."""
    if migrate:
        upgrade(db)
    return sessionmaker(make_engine(db), expire_on_commit=False)()
