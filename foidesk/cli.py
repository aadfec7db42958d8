"""The ``foidesk`` command line: a thin layer over the Python API.

Every command calls one public function of a concern's module and prints its result;
tests call those functions directly. Sections below follow the package's data flow.
"""

from __future__ import annotations

import typer

from foidesk import __version__

app = typer.Typer(
    help="foidesk: the Freedom of Information desk of a UK police force.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """foidesk: the Freedom of Information desk of a UK police force."""


@app.command()
def version() -> None:
    """Print the foidesk version."""
    typer.echo(__version__)


# --- records: synth, load, export -------------------------------------------------------

# --- stats: answer, audit ----------------------------------------------------------------

# --- foi: deadline, request ... ----------------------------------------------------------

# --- documents: policy ..., redact ---------------------------------------------------------

# --- web: serve, user ... -----------------------------------------------------------------


if __name__ == "__main__":
    app()
