"""The root ``foidesk`` application: its global options (the settings file) and ``version``.

Each concern's module adds its commands to ``app``.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from foidesk import __version__
from foidesk.cli.errors import ReportingGroup
from foidesk.settings import SETTINGS_ENV, SettingsError, read_settings

app = typer.Typer(
    help="foidesk: the Freedom of Information desk of a UK police force.",
    no_args_is_help=True,
    add_completion=False,
    cls=ReportingGroup,
)


SETTINGS_OPTION = typer.Option(
    None,
    "--settings",
    envvar=SETTINGS_ENV,
    help="The installation's settings file (YAML): the authority, its contacts, the "
    "reference pattern, the crime store's memory limit and threads.",
)


@app.callback()
def main(settings: Path | None = SETTINGS_OPTION) -> None:
    """foidesk: the Freedom of Information desk of a UK police force."""
    if settings is None:
        return
    if not settings.is_file():
        # A relative name (often from the variable, set once) is read from where the
        # command runs, which may not be where it was written for.
        where = "" if settings.is_absolute() else f", read from {Path.cwd()}"
        raise SettingsError(
            f"{settings}: settings file not found (named by --settings or ${SETTINGS_ENV}{where})"
        )
    read_settings(settings)
    # Every layer reads the settings through foidesk.settings.load_settings, which looks here.
    os.environ[SETTINGS_ENV] = str(settings)


@app.command()
def version() -> None:
    """Print the foidesk version."""
    typer.echo(__version__)
