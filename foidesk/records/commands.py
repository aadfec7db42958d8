"""The records commands of the ``foidesk`` CLI: synth, load, export, snapshots, summary.

Each command wraps one public function (``synth.generate``, ``ingest.load``,
``export.export``, ``Store.snapshots``, ``summary.summary``) and prints with Rich.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from foidesk.records.store import Store

DB_OPTION = typer.Option("crimes.duckdb", "--db", help="The crime-record store (DuckDB file).")


def _print_frame(console: Console, frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    table.add_column(frame.index.name or "", justify="right")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for index, row in frame.iterrows():
        table.add_row(str(index), *(f"{value:,}" for value in row))
    console.print(table)


def print_summary(
    db: str | Path, snapshot_id: str | None = None, console: Console | None = None
) -> None:
    """Print a snapshot's crimes by year and offence group as a Rich table."""
    from foidesk.records.summary import summary

    console = console or Console()
    with Store(db, read_only=True) as store:
        snap = store.snapshot(snapshot_id)
        frame = summary(store, snap)
    _print_frame(console, frame, f"Snapshot {snap.short_id}: crimes by year and offence group")


def _parse_years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise typer.BadParameter(f"years look like 2015-2024, not {text!r}") from None


def synth(
    scale: float = typer.Option(1.0, "--scale", help="Multiplier on the calibrated counts."),
    years: str = typer.Option("2015-2024", "--years", help="First and last year, e.g. 2015-2024."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed, the same data."),
    db: str = DB_OPTION,
) -> None:
    """Generate synthetic London into the store as a new snapshot and summarise it."""
    from foidesk.records.synth import generate

    console = Console()
    try:
        snap = generate(db, scale=scale, years=_parse_years(years), seed=seed, progress=True)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"snapshot {snap.snapshot_id} ({snap.row_counts['crimes']:,} crimes)")
    print_summary(db, snap.snapshot_id, console)


def load(
    mapping: Annotated[Path, typer.Argument(help="The mapping file (YAML).")],
    db: str = DB_OPTION,
    source_dir: Annotated[
        Path | None,
        typer.Option(
            "--source-dir", help="Directory of the source files (default: the mapping's)."
        ),
    ] = None,
) -> None:
    """Load a force's extract through a mapping file as a new snapshot."""
    from foidesk.records.ingest import MappingError
    from foidesk.records.ingest import load as load_mapping

    console = Console()
    try:
        result = load_mapping(mapping, db, source_dir=source_dir, progress=True)
    except MappingError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    table = Table(title=f"Snapshot {result.snapshot.short_id}: every source row accounted for")
    for column in ("table", "read", "loaded", "skipped", "rejected", "none-yet added"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, count in result.counts.items():
        table.add_row(
            name,
            *(f"{n:,}" for n in (count.read, count.loaded, count.skipped, count.rejected)),
            f"{count.added:,}",
        )
    console.print(table)
    for name, count in result.counts.items():
        for reason, n in count.skipped_reasons.items():
            console.print(f"  {name}: skipped {n:,}: {reason}", highlight=False)
    rejected = sum(c.rejected for c in result.counts.values())
    if rejected:
        console.print(f"{rejected:,} rejected rows are in the snapshot's rejects table.")


def export(
    out: Annotated[Path, typer.Option("--out", help="Directory for the Parquet files.")],
    db: str = DB_OPTION,
    snapshot: str = typer.Option(None, "--snapshot", help="Snapshot id or prefix (latest)."),
) -> None:
    """Write one Parquet file per canonical table of a snapshot."""
    from foidesk.records.export import export as export_snapshot

    try:
        written = export_snapshot(db, out, snapshot_id=snapshot)
    except (FileNotFoundError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written:
        typer.echo(str(path))


def snapshots(db: str = DB_OPTION) -> None:
    """List the store's snapshots, oldest first."""
    try:
        with Store(db, read_only=True) as store:
            found = store.snapshots()
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    table = Table(title=f"Snapshots in {db}")
    for column in ("id", "created (UTC)", "kind", "from", "crimes"):
        table.add_column(column)
    for snap in found:
        origin = snap.provenance.get("mapping", {}).get("name") or (
            f"seed {snap.provenance.get('seed')}, scale {snap.provenance.get('scale')}"
        )
        table.add_row(
            snap.short_id,
            snap.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            snap.kind,
            str(origin),
            f"{snap.row_counts.get('crimes', 0):,}",
        )
    Console().print(table)


def summary(
    db: str = DB_OPTION,
    snapshot: str = typer.Option(None, "--snapshot", help="Snapshot id or prefix (latest)."),
) -> None:
    """Print crimes by year and offence group for a snapshot."""
    try:
        print_summary(db, snapshot)
    except (FileNotFoundError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
