"""Options and argument parsing shared by the commands of several concerns."""

from __future__ import annotations

from datetime import date

import typer

STORE_OPTION = typer.Option("crimes.duckdb", "--db", help="The crime-record store (DuckDB file).")


def migrated(db: str) -> str:
    """The register database, brought to the current schema: a command migrates it once,
    before it opens the register (the library itself never migrates)."""
    from foidesk.db import upgrade

    upgrade(db)
    return db


REGISTER_OPTION = typer.Option(
    "register.sqlite",
    "--db",
    envvar="FOIDESK_DB",
    help="The register database (file or URL).",
    callback=migrated,
)


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None
