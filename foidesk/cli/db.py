"""``db upgrade``: bring the register and disclosure log's database to the current schema."""

from __future__ import annotations

import typer

from foidesk.cli.options import REGISTER_ENV, REGISTER_HELP
from foidesk.cli.root import app

db_app = typer.Typer(help="The register and disclosure log's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    db: str = typer.Option(..., "--db", envvar=REGISTER_ENV, help=REGISTER_HELP),
) -> None:
    """Run every migration the database has not had yet (safe to repeat)."""
    from foidesk.db import upgrade

    upgrade(db)
    typer.echo("The database is at the current schema.")
