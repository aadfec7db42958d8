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


@app.command()
def answer(
    request_file: str = typer.Argument(..., help="The request file (YAML) with its tables."),
    db: str = typer.Option(..., "--db", help="The crime-record store (DuckDB file)."),
    out: str = typer.Option(..., "--out", help="Directory for the workbook, CSVs, manifest."),
) -> None:
    """Compute a request's tables and write tables.xlsx, one CSV per table and manifest.json."""
    from foidesk.publish.answer import answer as write_answer
    from foidesk.stats.specs import SpecError

    try:
        manifest = write_answer(request_file, db, out)
    except (SpecError, FileNotFoundError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{manifest['request']}: snapshot {manifest['snapshot']['id'][:12]}")
    for entry in manifest["files"]:
        typer.echo(f"  {out}/{entry['path']}  {entry['title']}  sha256 {entry['sha256'][:12]}")


# --- foi: deadline, request ... ----------------------------------------------------------

# --- documents: policy ..., redact ---------------------------------------------------------

# --- web: serve, user ... -----------------------------------------------------------------


if __name__ == "__main__":
    app()
