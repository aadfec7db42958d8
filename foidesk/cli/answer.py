"""Commands that answer a request from the store: answer, schema (of the input files), audit."""

from __future__ import annotations

import typer

from foidesk.cli.errors import BadInput, ExitCode
from foidesk.cli.options import REGISTER_ENV, STORE_ENV, STORE_HELP, migrated
from foidesk.cli.progress import progress_bar
from foidesk.cli.root import app


@app.command()
def answer(
    request_file: str = typer.Argument(..., help="The request file (YAML) with its tables."),
    db: str | None = typer.Option(
        None, "--store", envvar=STORE_ENV, help=STORE_HELP + " Needed by --engine duckdb."
    ),
    out: str = typer.Option(..., "--out", help="Directory for the workbook, CSVs, manifest."),
    engine: str = typer.Option(
        "duckdb", "--engine", help="Where the tables are computed: duckdb (--store) or spark."
    ),
    parquet: str = typer.Option(
        None, "--parquet", help="With --engine spark: a snapshot written by `foidesk export`."
    ),
    spark: str = typer.Option(
        None,
        "--spark",
        help="With --engine spark: local[N] (default local[2]), a master URL, or sc://HOST:PORT.",
    ),
    log: str | None = typer.Option(
        None,
        "--log",
        envvar=REGISTER_ENV,
        callback=migrated,
        help="The disclosure log's database: protect against its responses that count any "
        "of the same records.",
    ),
) -> None:
    """Compute a request's tables and write tables.xlsx, one CSV per table and manifest.json."""
    from foidesk.answers.answer import answer as write_answer
    from foidesk.db import open_session
    from foidesk.web.disclosure_log import published_disclosures

    published = None
    if log is not None:
        with open_session(log) as session:
            published = published_disclosures(session)
    with progress_bar("Computing tables") as progress:
        package = write_answer(
            request_file,
            db,
            out,
            progress=progress,
            published=published,
            engine=engine,
            parquet=parquet,
            spark=spark,
        )
    manifest = package.manifest
    snapshot = manifest.snapshot.id[:12] if manifest.snapshot else "none"
    typer.echo(f"{manifest.request}: snapshot {snapshot}")
    for warning in manifest.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for entry in manifest.files:
        typer.echo(f"  {out}/{entry.path}  {entry.title}  sha256 {entry.sha256[:12]}")
    control = manifest.disclosure_control
    if control is not None:
        checked = ", ".join(control.earlier_disclosures) or "none"
        typer.echo(f"Earlier disclosures checked: {checked}")


@app.command("schema")
def schema_command(
    kind: str = typer.Argument(..., help="request, mapping, table, settings or review."),
) -> None:
    """Print the JSON Schema of a request, mapping, settings or review file, or a table.

    The schema is JSON Schema draft 2020-12, for editors to complete and CI to validate."""
    import json

    from foidesk.foi.personal_data import ReviewFile
    from foidesk.foi.request_schema import RequestFile
    from foidesk.input_files import did_you_mean, json_schema
    from foidesk.records.mapping_schema import MappingFile
    from foidesk.settings import Settings
    from foidesk.stats.specs import TableInput

    models = {
        "request": (RequestFile, "foidesk request file"),
        "mapping": (MappingFile, "foidesk mapping file"),
        "table": (TableInput, "foidesk table specification"),
        "settings": (Settings, "foidesk settings file"),
        "review": (ReviewFile, "foidesk personal-data review file"),
    }
    if kind not in models:
        raise BadInput(
            f"no schema {kind!r}{did_you_mean(kind, models)}: kinds are {', '.join(models)}"
        )
    typer.echo(json.dumps(json_schema(*models[kind]), indent=2))


@app.command("audit")
def audit_command(
    directory: str = typer.Argument(..., help="An answer directory written by `answer`."),
) -> None:
    """Re-audit an answer's \\[c] cells; exit 1 if an attacker could narrow any of them."""
    from foidesk.answers.package import audit_file
    from foidesk.stats.audit import audit_answer

    result = audit_answer(audit_file(directory))
    for interval in result.intervals:
        high = "no limit" if interval.high is None else interval.high
        verdict = f"EXPOSED: {interval.reason}" if interval.exposed else "protected"
        typer.echo(f"{interval.cell}: {interval.low} to {high}  {verdict}")
    exposed = len(result.exposed)
    typer.echo(
        f"{len(result.intervals)} suppressed cells, {exposed} exposed: "
        + ("pass" if result.passed else f"FAIL ({result.status})")
    )
    if not result.passed:
        raise typer.Exit(ExitCode.CHECK_FAILED)
