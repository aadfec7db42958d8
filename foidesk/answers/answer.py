"""Answering a request: from its request file and a store to the files that go out.

``answer`` reads the request file's statistics keys (``snapshot``, ``disclosure_control``,
``notes``, ``tables``, ``earlier_disclosures``; the rest belong to the FOI desk, whose
schema ``RequestFile`` includes so that a misspelt key is refused here too),
computes every table on one snapshot, applies disclosure control, and writes the
workbook, one CSV per table and ``manifest.json``: the request reference, the snapshot,
each specification's fingerprint, the software version and the SHA-256 of every file.
The same request on the same snapshot gives the same files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ConfigDict

from foidesk import __version__
from foidesk.answers.csv_files import write_csv
from foidesk.answers.notes import (
    DISCLOSURE_NOTE,
    Note,
    NoteInput,
    NotesPage,
    notes_page,
    parse_notes,
)
from foidesk.answers.package import (
    INTERNAL_DIR,
    AnswerPackage,
    DisclosureControl,
    Engine,
    FileEntry,
    Manifest,
    SnapshotEntry,
    Software,
    TableEntry,
    WithheldExemption,
    reviewers_only_dir,
    seal_reviewers_only,
)
from foidesk.answers.workbook import WorkbookInfo, sheet_name, write_workbook
from foidesk.input_files import InputError, InputModel, read_yaml, validate
from foidesk.progress import ProgressCallback
from foidesk.records.store import Snapshot, Store
from foidesk.settings import Authority, load_settings
from foidesk.stats.audit import AUDIT_FILE
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.coverage import check_coverage
from foidesk.stats.description import table_title
from foidesk.stats.disclosure import DisclosureControlInput
from foidesk.stats.linkage import (
    EarlierPackage,
    apply_disclosure_control,
    sharing_records,
    write_audit_file,
)
from foidesk.stats.specs import SpecError, TableInput, TableSpec, load_tables, parse_tables
from foidesk.stats.table import ComputedTable

WORKBOOK_FILE = "tables.xlsx"

# Used when a request file has no disclosure_control key: counts 1 to 4 are suppressed,
# with enough further cells hidden that totals cannot reveal them.
DEFAULT_DISCLOSURE_CONTROL: dict[str, Any] = {
    "method": "suppress",
    "range": [1, 4],
    "protection": "secondary",
}

# The legal basis for [c] cells unless the request file's disclosure_control.exemption
# gives another (e.g. s31 for figures that would reveal police tactics).
DEFAULT_WITHHELD_EXEMPTION: dict[str, Any] = {
    "section": "s40",
    "subsection": "(2)",
    "reason": (
        "The figures shown as [c] are withheld: some are small counts of people, the others "
        "are withheld so that the small counts cannot be worked out from totals or from other "
        "published tables. A small count of victims or suspects, put together with other "
        "information likely to be available to someone who wanted to identify them (local "
        "knowledge, press reports, social media), could identify the people it counts and "
        "disclose information about them, including about criminal offences. That would "
        "breach the first data protection principle (lawful, fair and transparent "
        "processing), so section 40(2) applies by virtue of section 40(3A)(a), an absolute "
        "exemption."
    ),
}


class EarlierDisclosureInput(InputModel):
    """``earlier_disclosures[]``: a published answer this one must not difference against."""

    request: str
    answer: str


class _FoiSection(InputModel):
    """A FOI-part section of which the statistics engine reads one key; the FOI desk checks
    the rest (``foidesk.foi.request_schema``)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class ResponseSeen(_FoiSection):
    """``response:``, for the date the tables may not run past."""

    responded: date | None = None


class AuthoritySeen(_FoiSection):
    """``authority:``, for the name the workbook gives."""

    name: str | None = None


class StatisticsPart(InputModel):
    """The keys of a request file that the statistics engine reads, and the FOI desk's.

    The FOI desk's top-level keys (``received`` to ``documents``) are only declared here:
    their contents belong to ``foidesk.foi.request_schema.FoiPart``, a layer above, whose
    ``RequestFile`` checks them. Declaring them means a misspelt top-level key
    (``snapshots:``, ``earlier_disclosure:``, ``handeld_by:``) is refused here too.
    """

    reference: str
    title: str | None = None  # answer() needs it; a request without tables may leave it out
    subject: str | None = None
    snapshot: str | None = None
    disclosure_control: DisclosureControlInput | None = None
    notes: list[NoteInput] | None = None
    tables: list[TableInput] | None = None  # answer() needs at least one
    earlier_disclosures: list[EarlierDisclosureInput] | None = None
    received: Any = None
    channel: Any = None
    requester_contact: Any = None
    request: Any = None
    authority: AuthoritySeen | None = None
    handled_by: Any = None
    clarification: Any = None
    cost_estimate: Any = None
    decisions: Any = None
    response: ResponseSeen | None = None
    documents: Any = None


def check_request_file(
    path: Path, data: Any, schema: type[StatisticsPart] = StatisticsPart
) -> StatisticsPart:
    """``data``, read from ``path``, checked against ``schema``; errors name the lines.

    The FOI desk passes its ``RequestFile``, which also checks what its keys hold.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = None
    return validate(schema, data, str(path), text)


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
    # The response date (``response: responded``) and the authority (``authority: name``),
    # when the request file gives them: no table may run past the first, and the second
    # names the workbook's contact when the settings do not.
    responded: date | None = None
    authority: str = "the force"
    # Disclosures already on the log that an attacker could difference against this one:
    # (request file, answer directory) pairs.
    earlier: tuple[tuple[Path, Path], ...] = ()
    withheld_exemption: WithheldExemption = field(
        default_factory=lambda: WithheldExemption(**DEFAULT_WITHHELD_EXEMPTION)
    )
    # Each table's specification as written in the request file (JSON-safe), by table id.
    specifications: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_request(request_file: str | Path) -> StatisticsRequest:
    """Parse the statistics keys of a request file; errors name the file and field."""
    path = Path(request_file)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: request file not found")
    try:
        data = read_yaml(path) or {}
    except InputError as exc:
        raise SpecError(str(exc)) from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping at the top level")
    try:
        checked = check_request_file(path, data)
    except InputError as exc:
        raise SpecError(str(exc)) from None
    if not data.get("title"):
        raise SpecError(f"{path}: title: required to answer (the workbook's cover shows it)")
    policy = data.get("disclosure_control", DEFAULT_DISCLOSURE_CONTROL)
    if not isinstance(policy, dict):
        raise SpecError(f"{path}: disclosure_control: expected a mapping")
    policy = dict(policy)
    exemption = _withheld_exemption(policy.pop("exemption", None), path)
    snapshot = data.get("snapshot")
    responded = checked.response.responded if checked.response else None
    authority_name = checked.authority.name if checked.authority else None
    tables = parse_tables(data.get("tables"), str(path))
    # JSON-safe copies (dates as ISO text), which parse_table reads back the same.
    written = json.loads(json.dumps(data.get("tables") or [], default=str))
    return StatisticsRequest(
        path=path,
        reference=str(data["reference"]),
        title=str(data["title"]),
        subject=str(data.get("subject") or data["title"]),
        tables=tables,
        notes=parse_notes(data.get("notes"), str(path)),
        disclosure_control=policy,
        snapshot=str(snapshot) if snapshot is not None else None,
        responded=responded,
        authority=authority_name or "the force",
        earlier=_earlier_disclosures(data.get("earlier_disclosures"), path),
        withheld_exemption=exemption,
        specifications={spec.id: entry for spec, entry in zip(tables, written, strict=True)},
    )


def _withheld_exemption(entry: Any, path: Path) -> WithheldExemption:
    """``disclosure_control.exemption``: the legal basis for [c] cells (s40(2) by default)."""
    if entry is None:
        return WithheldExemption(**DEFAULT_WITHHELD_EXEMPTION)
    where = f"{path}: disclosure_control.exemption"
    if not isinstance(entry, dict):
        raise SpecError(f"{where}: expected a mapping with section, subsection and reason")
    known = set(WithheldExemption.model_fields)
    unknown = sorted(set(entry) - known)
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if not entry.get("section"):
        raise SpecError(f"{where}.section: required, e.g. s40")
    if not (entry.get("reason") or entry.get("harm")):
        raise SpecError(f"{where}.reason: say why the exemption applies to the [c] figures")
    try:
        return WithheldExemption.model_validate(entry)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None


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


def workbook_contact(authority_name: str) -> tuple[str, ...]:
    """The cover's contact lines: the FOI team and how to reach it, from the settings."""
    authority = load_settings().authority
    # The request file names the authority when the settings are the built-in defaults.
    name = authority_name if authority.name == Authority().name else authority.name
    lines = [f"{authority.team}, {name}."]
    contact = authority.contact
    if contact.web:
        lines.append(f"Web: {contact.web}")
    if contact.email:
        lines.append(f"Email: {contact.email}")
    if contact.phone:
        lines.append(f"Telephone: {contact.phone}")
    if contact.postal_address:
        lines.append(f"Post: {', '.join(contact.postal_address)}")
    return tuple(lines)


ENGINES: tuple[str, ...] = ("duckdb", "spark")


def answer(
    request_file: str | Path,
    db: str | Path | None,
    out_dir: str | Path,
    *,
    progress: ProgressCallback | None = None,
    published: Sequence[EarlierPackage] | None = None,
    engine: str = "duckdb",
    parquet: str | Path | None = None,
    spark: str | None = None,
) -> AnswerPackage:
    """Compute, protect and write a request's tables; return the answer package.

    Writes ``out_dir/tables.xlsx``, ``out_dir/<table id>.csv`` for each table and
    ``out_dir/manifest.json``. ``progress`` hears of each table computed (``foidesk.progress``).
    ``published`` are the disclosures on the log
    (``foidesk.web.disclosure_log.published_disclosures``): those whose tables count any
    of the same records are protected against, besides the request file's
    ``earlier_disclosures``; None means the log was not consulted.

    With ``engine="duckdb"`` (the default) the tables come from the store ``db``; with
    ``engine="spark"`` from the export directory ``parquet`` (``foidesk export``), on the
    Spark session at ``spark`` (``local[2]``, a master URL or an ``sc://`` address), where
    the tables and the disclosure-control atoms are computed. Either way the same files
    are written; the manifest names the engine.
    """
    request = read_request(request_file)
    out = Path(out_dir)
    if engine == "duckdb":
        if db is None:
            raise FileNotFoundError("engine duckdb: give the store (--store)")
        with Store(db, read_only=True) as store:
            snapshot = store.snapshot(request.snapshot)
            source = Source.from_store(store, snapshot)
            return _answer(request, snapshot, source, out, progress, published, store)
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
    return _answer(request, snapshot, source, out, progress, published, None)


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
    progress: ProgressCallback | None,
    published: Sequence[EarlierPackage] | None,
    store: Store | None,
) -> AnswerPackage:
    """Compute and protect on ``source`` (the store's, when ``store``; else Spark's)."""
    check_coverage(
        request.tables,
        str(request.path),
        extracted=snapshot.extracted_on,
        responded=request.responded,
    )
    computed = []
    for spec in request.tables:
        try:
            computed.append(compute_table(spec, source))
        except SpecError as exc:
            raise SpecError(f"{request.path}: {exc}") from None
        if progress:
            progress(f"table {spec.id} computed", len(computed), len(request.tables))
    earlier = [earlier_package(r, a) for r, a in request.earlier]
    named = {package.reference for package in earlier} | {request.reference}
    candidates = [p for p in published or () if p.reference not in named]
    if candidates and store is None:
        raise ValueError("disclosures on the log are checked against the store: use --db")
    if candidates:
        earlier += sharing_records(computed, candidates, store, snapshot)
    protected, report = apply_disclosure_control(
        computed, request.disclosure_control, source=source, earlier=earlier
    )
    report["earlier_disclosures"] = [package.reference for package in earlier]
    if report.get("method") != "round":
        report["exemption"] = request.withheld_exemption.model_dump()
    note = disclosure_note(report, request.withheld_exemption, log=published is not None)
    page = notes_page(
        protected,
        request.notes,
        snapshot,
        source,
        request_file=str(request.path),
        disclosure_note=Note(DISCLOSURE_NOTE, note),
    )
    # The audit problem says which [c] cells are the small counts: reviewers only.
    write_audit_file(reviewers_only_dir(out), report)
    seal_reviewers_only(out)
    # An older foidesk wrote it at the top, where publishing now refuses it.
    (out / AUDIT_FILE).unlink(missing_ok=True)
    if "audit_file" in report:
        report["audit_file"] = f"{INTERNAL_DIR}/{AUDIT_FILE}"
    engine = _engine("duckdb" if store is not None else "spark")
    return write_answer(
        request,
        snapshot,
        protected,
        page,
        report,
        out,
        warnings=empty_table_warnings(computed),
        engine=engine,
    )


def empty_table_warnings(tables: list[ComputedTable]) -> list[str]:
    """A warning for each table whose every cell is 0: its population is likely wrong."""
    return [
        f"table {t.id}: every cell is 0; check its population against the snapshot"
        for t in tables
        if not t.counts.any()
    ]


def disclosure_note(
    report: dict[str, Any], exemption: WithheldExemption, *, log: bool = False
) -> str:
    """The Notes page's entry on [c]: what it marks, the exemption, and exactly which
    earlier disclosures the withheld figures were checked against."""
    if report.get("method") == "round":
        return str(report["note"])
    text = (
        f"{report['note']} Figures shown as [c] are withheld under {exemption.citation} of the "
        "Freedom of Information Act 2000; the refusal notice in the response letter gives "
        "the reasons."
    )
    checked = list(report.get("earlier_disclosures") or [])
    if checked:
        return (
            f"{text} They were also checked against the tables published in "
            f"{_listed(checked)}, which count some of the same records."
        )
    if log:
        return (
            f"{text} No table on the disclosure log counts any of the same records, so no "
            "earlier disclosure needed checking."
        )
    return f"{text} They were not checked against earlier disclosures."


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def write_answer(
    request: StatisticsRequest,
    snapshot: Snapshot,
    tables: list[ComputedTable],
    notes: NotesPage,
    disclosure_report: dict[str, Any],
    out: Path,
    *,
    warnings: list[str] | None = None,
    engine: dict[str, str] | None = None,
) -> AnswerPackage:
    """Write the workbook, CSVs and manifest for already computed, protected tables.

    ``warnings`` (e.g. a table of zeros) go into the manifest for reviewers to see.
    """
    out.mkdir(parents=True, exist_ok=True)
    info = WorkbookInfo(
        reference=request.reference,
        title=request.title,
        subject=request.subject,
        created=snapshot.created_at,
        source=snapshot.source_name,
        extracted=snapshot.extracted_on,
        contact=workbook_contact(request.authority),
        published=request.responded,
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
            # Whether the request pinned this snapshot or the store's current one was used.
            chosen="pinned by the request" if request.snapshot else "current in the store",
        ),
        tables=[
            TableEntry(
                id=t.id,
                # The published title, as the workbook's sheet gives it: from the spec.
                title=table_title(t.spec),
                counting_unit=t.spec.counting_unit,
                specification_sha256=t.spec.fingerprint(),
                notes=list(notes.citations[t.id]),
                file=f"{t.id}.csv",
                sheet=sheet_name(t.id),
                specification=request.specifications.get(t.id),
            )
            for t in tables
        ],
        disclosure_control=(
            DisclosureControl.model_validate(disclosure_report) if disclosure_report else None
        ),
        warnings=list(warnings or []),
        files=[FileEntry.of(path, title) for path, title in files],
    )
    package = AnswerPackage(out, manifest)
    package.write()
    return package
