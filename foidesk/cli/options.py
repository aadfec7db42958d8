"""Options and argument parsing shared by the commands of several concerns."""

from __future__ import annotations

from datetime import date

import typer

# One option per kind of database, each with its environment variable (docs/cli.md).
REGISTER_ENV = "FOIDESK_DB"
STORE_ENV = "FOIDESK_STORE"
REGISTER_HELP = "The register database (SQLite file or URL): register, log, policies, accounts."
STORE_HELP = "The crime-record store (DuckDB file)."


def migrated(db: str | None) -> str | None:
    """The register database, brought to the current schema: a command migrates it once,
    before it opens the register (the library itself never migrates)."""
    from foidesk.db import upgrade

    if db is not None:
        upgrade(db)
    return db


REGISTER_OPTION = typer.Option(
    ..., "--db", envvar=REGISTER_ENV, help=REGISTER_HELP, callback=migrated
)
STORE_OPTION = typer.Option(..., "--store", envvar=STORE_ENV, help=STORE_HELP)
# What a store command says to --db, the register's option, which older scripts gave it.
STORE_NOT_REGISTER = (
    f"--db names the register; this command reads the crime store: give --store FILE "
    f"or ${STORE_ENV}"
)
# A store some commands can do without (record counts; Spark reads an export instead).
OPTIONAL_STORE_OPTION = typer.Option(None, "--store", envvar=STORE_ENV, help=STORE_HELP)


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None
