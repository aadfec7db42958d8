"""Commands over the crime-record store: synth, load, export, snapshots, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from foidesk.cli.errors import BadInput
from foidesk.cli.options import STORE_ENV, STORE_HELP, STORE_OPTION
from foidesk.cli.output import JSON_OPTION, print_json
from foidesk.cli.progress import progress_bar
from foidesk.cli.root import app
from foidesk.records.store import Store


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


def _written(snapshot_id: str, already_stored: bool) -> str:
    if already_stored:
        return f"already stored as {snapshot_id}; now current"
    return f"snapshot {snapshot_id} written; now current"


def _parse_years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise typer.BadParameter(f"years look like 2015-2024, not {text!r}") from None


@app.command()
def synth(
    scale: float = typer.Option(1.0, "--scale", help="Multiplier on the calibrated counts."),
    years: str = typer.Option("2015-2024", "--years", help="First and last year, e.g. 2015-2024."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed, the same data."),
    forces: str = typer.Option(
        None,
        "--forces",
        help="Several forces, each calibrated to its ONS share: 'all', or ONS codes or names "
        "separated by commas (default: London alone).",
    ),
    extracted: str = typer.Option(
        None, "--extracted", help="Extraction date in the last year (default its 31 December)."
    ),
    db: str = STORE_OPTION,
) -> None:
    """Generate synthetic London (or several forces) into the store and summarise it."""
    from datetime import date

    from foidesk.records.synth import generate

    console = Console()
    day = date.fromisoformat(extracted) if extracted else None
    with progress_bar("Generating and storing") as progress:
        snap = generate(
            db,
            scale=scale,
            years=_parse_years(years),
            seed=seed,
            forces=forces,
            progress=progress,
            extracted=day,
        )
    console.print(_written(snap.snapshot_id, snap.already_stored), highlight=False, soft_wrap=True)
    console.print(f"{snap.row_counts['crimes']:,} crimes")
    print_summary(db, snap.snapshot_id, console)


@app.command()
def load(
    mapping: Annotated[Path, typer.Argument(help="The mapping file (YAML).")],
    db: str = STORE_OPTION,
    source_dir: Annotated[
        Path | None,
        typer.Option(
            "--source-dir", help="Directory of the source files (default: the mapping's)."
        ),
    ] = None,
) -> None:
    """Load a force's extract through a mapping file as a new snapshot."""
    from foidesk.records.ingest import load as load_mapping

    console = Console()
    with progress_bar(f"Loading {mapping}") as progress:
        result = load_mapping(mapping, db, source_dir=source_dir, progress=progress)
    console.print(
        _written(result.snapshot.snapshot_id, result.snapshot.already_stored),
        highlight=False,
        soft_wrap=True,
    )
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


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="Directory for the Parquet files.")],
    db: str = STORE_OPTION,
    snapshot: str = typer.Option(None, "--snapshot", help="Snapshot id or prefix (current)."),
) -> None:
    """Write one Parquet file per canonical table of a snapshot."""
    from foidesk.records.export import export as export_snapshot

    written = export_snapshot(db, out, snapshot_id=snapshot)
    for path in written:
        typer.echo(str(path))


snapshots_app = typer.Typer(
    help="List the store's snapshots (oldest first; * marks the current one), or choose one.",
    invoke_without_command=True,
)
app.add_typer(snapshots_app, name="snapshots")


@snapshots_app.callback()
def snapshots(
    ctx: typer.Context,
    # Not required here: `snapshots use` takes the store after its own name.
    db: str | None = typer.Option(None, "--store", envvar=STORE_ENV, help=STORE_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """List the store's snapshots, oldest first; * marks the current one."""
    if ctx.invoked_subcommand is not None:
        return
    if db is None:
        raise BadInput(f"give the store: --store FILE or ${STORE_ENV}")
    with Store(db, read_only=True) as store:
        found = store.snapshots()
        current = store.current().snapshot_id if found else None
    if as_json:
        print_json(
            [
                {
                    "id": snap.snapshot_id,
                    "current": snap.snapshot_id == current,
                    "created": snap.created_at.isoformat(),
                    "kind": snap.kind,
                    "provenance": snap.provenance,
                    "row_counts": snap.row_counts,
                }
                for snap in found
            ]
        )
        return
    table = Table(title=f"Snapshots in {db}")
    for column in ("", "id", "created (UTC)", "kind", "from", "crimes"):
        table.add_column(column)
    for snap in found:
        origin = snap.provenance.get("mapping", {}).get("name") or (
            f"seed {snap.provenance.get('seed')}, scale {snap.provenance.get('scale')}"
        )
        table.add_row(
            "*" if snap.snapshot_id == current else "",
            snap.short_id,
            snap.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            snap.kind,
            str(origin),
            f"{snap.row_counts.get('crimes', 0):,}",
        )
    Console().print(table)


@snapshots_app.command("use")
def snapshots_use(
    snapshot_id: str = typer.Argument(..., help="Snapshot id or prefix."),
    db: str = STORE_OPTION,
) -> None:
    """Make a snapshot the current one: answer, export and summary use it unless pinned."""
    with Store(db) as store:
        snap = store.use(snapshot_id)
    typer.echo(f"snapshot {snap.snapshot_id} is now current")


@app.command()
def summary(
    db: str = STORE_OPTION,
    snapshot: str = typer.Option(None, "--snapshot", help="Snapshot id or prefix (current)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print crimes by year and offence group for a snapshot."""
    if not as_json:
        print_summary(db, snapshot)
        return
    from foidesk.records.summary import summary as crimes_by_year

    with Store(db, read_only=True) as store:
        snap = store.snapshot(snapshot)
        frame = crimes_by_year(store, snap)
    rows = {
        str(index): {str(column): int(value) for column, value in row.items()}
        for index, row in frame.iterrows()
    }
    print_json({"snapshot": snap.snapshot_id, "index": frame.index.name, "crimes": rows})
