"""Answering a request: from its request file and a store to the files that go out.

``answer`` reads the request file's statistics keys (``snapshot``, ``disclosure_control``,
``notes``, ``tables``; every other key belongs to the FOI desk and is ignored here),
computes every table on one snapshot, applies disclosure control, and writes the
workbook, one CSV per table and ``manifest.json``: the request reference, the snapshot,
each specification's fingerprint, the software version and the SHA-256 of every file.
The same request on the same snapshot gives the same files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.progress import Progress

from foidesk import __version__
from foidesk.publish.csv_files import write_csv
from foidesk.publish.notes import DISCLOSURE_NOTE, Note, NotesPage, notes_page, parse_notes
from foidesk.publish.package import (
    AnswerPackage,
    DisclosureControl,
    Engine,
    FileEntry,
    Manifest,
    SnapshotEntry,
    Software,
    TableEntry,
)
from foidesk.publish.workbook import WorkbookInfo, sheet_name, write_workbook
from foidesk.records.store import Snapshot, Store
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.linkage import EarlierPackage, apply_disclosure_control, write_audit_file
from foidesk.stats.specs import SpecError, TableSpec, load_tables, parse_tables, read_yaml
from foidesk.stats.table import ComputedTable

WORKBOOK_FILE = "tables.xlsx"

# Used when a request file has no disclosure_control key: counts 1 to 4 are suppressed,
# with enough further cells hidden that totals cannot reveal them.
DEFAULT_DISCLOSURE_CONTROL: dict[str, Any] = {
    "method": "suppress",
    "range": [1, 4],
    "protection": "secondary",
}


@dataclass(frozen=True)
class StatisticsRequest:
    """The statistics part of a request file."""

    path: Path
    reference: str
    title: str
    subject: str
    tables: list[TableSpec]
    notes: list[Note] = field(default_factory=list)
    disclosure_control: dict[str, Any] = field(
        default_factory=lambda: dict(DEFAULT_DISCLOSURE_CONTROL)
    )
    snapshot: str | None = None
    # Disclosures already on the log that an attacker could difference against this one:
    # (request file, answer directory) pairs.
    earlier: tuple[tuple[Path, Path], ...] = ()


def read_request(request_file: str | Path) -> StatisticsRequest:
    """Parse the statistics keys of a request file; errors name the file and field."""
    path = Path(request_file)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: request file not found")
    try:
        data = read_yaml(path) or {}
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping at the top level")
    for key in ("reference", "title"):
        if not data.get(key):
            raise SpecError(f"{path}: {key}: required")
    policy = data.get("disclosure_control", DEFAULT_DISCLOSURE_CONTROL)
    if not isinstance(policy, dict):
        raise SpecError(f"{path}: disclosure_control: expected a mapping")
    snapshot = data.get("snapshot")
    return StatisticsRequest(
        path=path,
        reference=str(data["reference"]),
        title=str(data["title"]),
        subject=str(data.get("subject") or data["title"]),
        tables=parse_tables(data.get("tables"), str(path)),
        notes=parse_notes(data.get("notes"), str(path)),
        disclosure_control=dict(policy),
        snapshot=str(snapshot) if snapshot is not None else None,
        earlier=_earlier_disclosures(data.get("earlier_disclosures"), path),
    )


def _earlier_disclosures(entries: Any, path: Path) -> tuple[tuple[Path, Path], ...]:
    """``earlier_disclosures``: ``{request: FILE, answer: DIR}`` items, relative to ``path``."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise SpecError(f"{path}: earlier_disclosures: expected a list")
    pairs = []
    for i, entry in enumerate(entries):
        where = f"{path}: earlier_disclosures[{i}]"
        if not isinstance(entry, dict) or not entry.get("request") or not entry.get("answer"):
            raise SpecError(f"{where}: expected a mapping with request and answer")
        request, answer_dir = (path.parent / str(entry[k]) for k in ("request", "answer"))
        if not request.is_file():
            raise SpecError(f"{where}.request: {request} not found")
        pairs.append((request, answer_dir))
    return tuple(pairs)


def earlier_package(request_file: str | Path, answer_dir: str | Path) -> EarlierPackage:
    """An earlier disclosure for differencing: its request's tables and its answer's [c] cells."""
    package = AnswerPackage.read(answer_dir)
    reference = package.manifest.request
    if not reference:
        raise ValueError(f"{package.manifest_path}: field 'request' is missing")
    return EarlierPackage(reference, tuple(load_tables(request_file)), package.withheld)


ENGINES: tuple[str, ...] = ("duckdb", "spark")


def answer(
    request_file: str | Path,
    db: str | Path | None,
    out_dir: str | Path,
    *,
    progress: bool = False,
    engine: str = "duckdb",
    parquet: str | Path | None = None,
    spark: str | None = None,
) -> AnswerPackage:
    """Compute, protect and write a request's tables; return the answer package.

    Writes ``out_dir/tables.xlsx``, ``out_dir/<table id>.csv`` for each table and
    ``out_dir/manifest.json``. ``progress`` shows a progress bar over the tables. With
    ``engine="duckdb"`` (the default) the tables come from the store ``db``; with
    ``engine="spark"`` from the export directory ``parquet`` (``foidesk export``), on the
    Spark session at ``spark`` (``local[2]``, a master URL or an ``sc://`` address), where
    the tables and the disclosure-control atoms are computed. Either way the same files
    are written; the manifest names the engine.
    """
    request = read_request(request_file)
    out = Path(out_dir)
    if engine == "duckdb":
        if db is None:
            raise FileNotFoundError("engine duckdb: give the store (--db)")
        with Store(db, read_only=True) as store:
            snapshot = store.snapshot(request.snapshot)
            source = Source.from_store(store, snapshot)
            return _answer(request, snapshot, source, out, progress, _engine("duckdb"))
    if engine != "spark":
        raise SpecError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    if parquet is None:
        raise FileNotFoundError("engine spark: give the exported snapshot (--parquet DIR)")
    from foidesk.records.export import read_snapshot
    from foidesk.stats.spark import parquet_source, spark_session

    snapshot = read_snapshot(parquet)
    if request.snapshot and not snapshot.snapshot_id.startswith(request.snapshot):
        raise LookupError(
            f"{request.path}: snapshot {request.snapshot} is pinned, but {parquet} holds "
            f"snapshot {snapshot.short_id}"
        )
    source = parquet_source(spark_session(spark), parquet)
    return _answer(request, snapshot, source, out, progress, _engine("spark"))


def _engine(name: str) -> dict[str, str]:
    """The engine as the manifest names it: its name and version."""
    if name == "spark":
        import pyspark

        return {"name": "spark", "version": pyspark.__version__}
    import duckdb

    return {"name": "duckdb", "version": duckdb.__version__}


def _answer(
    request: StatisticsRequest,
    snapshot: Snapshot,
    source: Source,
    out: Path,
    progress: bool,
    engine: dict[str, str],
) -> AnswerPackage:
    computed = []
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Computing tables", total=len(request.tables))
        for spec in request.tables:
            computed.append(compute_table(spec, source))
            bar.advance(task)
    earlier = [earlier_package(r, a) for r, a in request.earlier]
    protected, report = apply_disclosure_control(
        computed, request.disclosure_control, source=source, earlier=earlier
    )
    report["earlier_disclosures"] = [package.reference for package in earlier]
    page = notes_page(
        protected,
        request.notes,
        snapshot,
        source,
        request_file=str(request.path),
        disclosure_note=Note(DISCLOSURE_NOTE, report["note"]),
    )
    # The audit problem goes to its own internal file, never into the published manifest.
    write_audit_file(out, report)
    return write_answer(request, snapshot, protected, page, report, out, engine=engine)


def write_answer(
    request: StatisticsRequest,
    snapshot: Snapshot,
    tables: list[ComputedTable],
    notes: NotesPage,
    disclosure_report: dict[str, Any],
    out: Path,
    *,
    engine: dict[str, str] | None = None,
) -> AnswerPackage:
    """Write the workbook, CSVs and manifest for already computed, protected tables."""
    out.mkdir(parents=True, exist_ok=True)
    info = WorkbookInfo(
        reference=request.reference,
        title=request.title,
        subject=request.subject,
        snapshot_id=snapshot.snapshot_id,
        created=snapshot.created_at,
    )
    files: list[tuple[Path, str]] = [
        (write_workbook(out / WORKBOOK_FILE, tables, notes, info), "Tables (Excel workbook)")
    ]
    for table in tables:
        files.append((write_csv(out / f"{table.id}.csv", table), f"{sheet_name(table.id)} (CSV)"))
    manifest = Manifest(
        request=request.reference,
        title=request.title,
        software=Software(name="foidesk", version=__version__),
        engine=Engine(**(engine or _engine("duckdb"))),
        snapshot=SnapshotEntry(
            id=snapshot.snapshot_id,
            kind=snapshot.kind,
            created_at=snapshot.created_at.isoformat(),
            provenance=snapshot.provenance,
        ),
        tables=[
            TableEntry(
                id=t.id,
                title=t.spec.title,
                counting_unit=t.spec.counting_unit,
                specification_sha256=t.spec.fingerprint(),
                notes=list(notes.citations[t.id]),
                file=f"{t.id}.csv",
                sheet=sheet_name(t.id),
            )
            for t in tables
        ],
        disclosure_control=(
            DisclosureControl.model_validate(disclosure_report) if disclosure_report else None
        ),
        files=[FileEntry.of(path, title) for path, title in files],
    )
    package = AnswerPackage(out, manifest)
    package.write()
    return package
