"""Alembic environment: runs each concern's migrations against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from foidesk.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    # Migrations hold no pooled connections once they finish.
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
