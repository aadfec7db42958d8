"""The ``foidesk`` command line: a thin layer over the Python API.

Every command calls one public function of a concern's module and prints its result;
tests call those functions directly. Sections below follow the package's data flow.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from foidesk import __version__
from foidesk.records.store import Store, StoreError
from foidesk.settings import SETTINGS_ENV, SettingsError, read_settings

app = typer.Typer(
    help="foidesk: the Freedom of Information desk of a UK police force.",
    no_args_is_help=True,
    add_completion=False,
)

STORE_OPTION = typer.Option("crimes.duckdb", "--db", help="The crime-record store (DuckDB file).")
REGISTER_OPTION = typer.Option(
    "register.sqlite", "--db", envvar="FOIDESK_DB", help="The register database (file or URL)."
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
    try:
        read_settings(settings)
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    # Every layer reads the settings through foidesk.settings.load_settings, which looks here.
    os.environ[SETTINGS_ENV] = str(settings)


@app.command()
def version() -> None:
    """Print the foidesk version."""
    typer.echo(__version__)


# --- records: synth, load, export -------------------------------------------------------


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
    try:
        day = date.fromisoformat(extracted) if extracted else None
        snap = generate(
            db,
            scale=scale,
            years=_parse_years(years),
            seed=seed,
            forces=forces,
            progress=True,
            extracted=day,
        )
    except (ValueError, StoreError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
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
    from foidesk.records.ingest import MappingError
    from foidesk.records.ingest import load as load_mapping

    console = Console()
    try:
        result = load_mapping(mapping, db, source_dir=source_dir, progress=True)
    except (MappingError, StoreError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
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

    try:
        written = export_snapshot(db, out, snapshot_id=snapshot)
    except (FileNotFoundError, LookupError, StoreError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written:
        typer.echo(str(path))


snapshots_app = typer.Typer(
    help="List the store's snapshots (oldest first; * marks the current one), or choose one.",
    invoke_without_command=True,
)
app.add_typer(snapshots_app, name="snapshots")


@snapshots_app.callback()
def snapshots(ctx: typer.Context, db: str = STORE_OPTION) -> None:
    """List the store's snapshots, oldest first; * marks the current one."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        with Store(db, read_only=True) as store:
            found = store.snapshots()
            current = store.current().snapshot_id if found else None
    except (FileNotFoundError, StoreError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
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
    try:
        with Store(db) as store:
            snap = store.use(snapshot_id)
    except (LookupError, StoreError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"snapshot {snap.snapshot_id} is now current")


@app.command()
def summary(
    db: str = STORE_OPTION,
    snapshot: str = typer.Option(None, "--snapshot", help="Snapshot id or prefix (current)."),
) -> None:
    """Print crimes by year and offence group for a snapshot."""
    try:
        print_summary(db, snapshot)
    except (FileNotFoundError, LookupError, StoreError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


# --- stats: answer, audit ----------------------------------------------------------------


@app.command()
def answer(
    request_file: str = typer.Argument(..., help="The request file (YAML) with its tables."),
    db: str = typer.Option(None, "--db", help="The crime-record store (DuckDB file)."),
    out: str = typer.Option(..., "--out", help="Directory for the workbook, CSVs, manifest."),
    engine: str = typer.Option(
        "duckdb", "--engine", help="Where the tables are computed: duckdb (--db) or spark."
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
        envvar="FOIDESK_DB",
        help="The disclosure log's database: protect against its responses that count any "
        "of the same records.",
    ),
) -> None:
    """Compute a request's tables and write tables.xlsx, one CSV per table and manifest.json."""
    from foidesk.db import open_session
    from foidesk.publish.answer import answer as write_answer
    from foidesk.stats.specs import SpecError
    from foidesk.web.log import published_disclosures

    try:
        published = None
        if log is not None:
            with open_session(log) as session:
                published = published_disclosures(session)
        package = write_answer(
            request_file,
            db,
            out,
            progress=True,
            published=published,
            engine=engine,
            parquet=parquet,
            spark=spark,
        )
    except (SpecError, ValueError, FileNotFoundError, LookupError, StoreError) as exc:
        # ValueError: a disclosure-control setting that cannot be used (e.g. range [3, 2]).
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
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
    """Print the JSON Schema (draft 2020-12) of a request, mapping or settings file, or a table."""
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
        typer.echo(f"error: no schema {kind!r}{did_you_mean(kind, models)}", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(json_schema(*models[kind]), indent=2))


@app.command("audit")
def audit_command(
    directory: str = typer.Argument(..., help="An answer directory written by `answer`."),
) -> None:
    """Re-audit an answer's \\[c] cells; exit 1 if an attacker could narrow any of them."""
    from foidesk.publish.package import audit_file
    from foidesk.stats.audit import audit_answer

    try:
        result = audit_answer(audit_file(directory))
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
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
        raise typer.Exit(1)


# --- foi: deadline, request ... ----------------------------------------------------------

request_app = typer.Typer(
    help="The FOI register: each step of a request's workflow, import and export.",
    no_args_is_help=True,
)

TOKEN_ENV = "FOIDESK_TOKEN"


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def _register(db: str) -> Iterator[Any]:
    from foidesk.foi.register import Register, RequestNotFound, TransitionError
    from foidesk.foi.request_file import RequestFileError

    try:
        with Register(db) as register:
            yield register
    except (TransitionError, RequestNotFound, RequestFileError, ValueError, KeyError) as error:
        raise _fail(str(error)) from None


def _account(db: str) -> Any:
    """The account whose token is in $FOIDESK_TOKEN: who acts, with only their roles."""
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, account_for_token

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise _fail(
            f"set {TOKEN_ENV} to your account's token (create one with `foidesk user token`)"
        )
    with open_session(db) as session:
        try:
            return account_for_token(session, token)
        except AccountError as error:
            raise _fail(str(error)) from None


def _acting(register: Any, db: str, step: str, reference: str | None = None) -> Any:
    """The token's account as the actor of ``step``, refused with the workflow's reason."""
    from foidesk.foi import workflow
    from foidesk.foi.register import Actor

    account = _account(db)
    if reference is not None:
        why = workflow.refusal(register.get(reference), step, account.name, account.roles)
    else:
        role = workflow.role_for(step, account.roles)
        why = (
            None
            if role
            else f"{account.name} may not '{step}': it needs "
            + " or ".join(workflow.step(step).roles)
        )
    if why:
        raise _fail(why)
    return Actor(account.name, workflow.role_for(step, account.roles))


def _status_line(register: Any, reference: str) -> str:
    request = register.get(reference)
    due = register.deadline_for(request).due
    return f"{reference}: {request.status}, due {due or 'clock stopped'}"


@app.command()
def deadline(
    received: str = typer.Argument(..., help="Date the request was received (YYYY-MM-DD)."),
    clarified: str = typer.Option(None, "--clarified", help="Date the clarification arrived."),
    fee_notice: str = typer.Option(None, "--fee-notice", help="Date a fees notice was issued."),
    fee_paid: str = typer.Option(None, "--fee-paid", help="Date the fee was paid."),
    extended_to: str = typer.Option(None, "--extended-to", help="Public interest extension."),
    next_working_day: bool = typer.Option(
        False, "--next-working-day", help="Treat receipt on a non-working day as the next one."
    ),
    review: bool = typer.Option(False, "--review", help="An internal review (20 working days)."),
    exceptional: bool = typer.Option(False, "--exceptional", help="Review of 40 working days."),
    explain: bool = typer.Option(False, "--explain", help="Say how the date was reached."),
) -> None:
    """Print the due date (ISO) on the first line; with --explain, why."""
    from foidesk.foi.clock import FeePause, due_date, review_due

    day = _date(received)
    assert day is not None
    try:
        if review:
            result = review_due(day, exceptional=exceptional)
        else:
            pauses = [FeePause(_date(fee_notice), _date(fee_paid))] if fee_notice else []
            result = due_date(
                day,
                clarified=_date(clarified),
                fee_pauses=pauses,  # type: ignore[arg-type]
                extended_to=_date(extended_to),
                receipt_rule="next-working-day" if next_working_day else "as-received",
            )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(result.due.isoformat() if result.due else "clock stopped: awaiting fee")
    if explain:
        for line in result.explanation:
            typer.echo(line)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


@request_app.command("new")
def request_new(
    reference: str = typer.Argument(..., help="Reference, e.g. 01.FOI.24.035331."),
    received: str = typer.Option(..., "--received", help="Date received (YYYY-MM-DD)."),
    text: str = typer.Option(..., "--text", help="The request as the requester wrote it."),
    part: Annotated[
        list[str] | None, typer.Option(help="A question of the request (repeat).")
    ] = None,
    channel: str = typer.Option("email", "--channel", help="email, web form, post, ..."),
    contact: str = typer.Option("", "--contact", help="Requester contact (kept private)."),
    title: str = typer.Option("", "--title", help="Title for the disclosure log."),
    db: str = REGISTER_OPTION,
) -> None:
    """Log a new request."""
    from foidesk.foi import repeats

    with _register(db) as register:
        who = _acting(register, db, "log")
        request = register.new_request(
            reference, _date(received), text, part or [], channel, contact, who, title=title
        )
        due = register.deadline_for(request).due
        flags = repeats.find(register, request.reference).flags
    typer.echo(f"{request.reference}: {request.status}, due {due}")
    for line in flags:
        typer.echo(f"note: {line}")


@request_app.command("list")
def request_list(
    status: str = typer.Option(None, "--status", help="Only requests at this status."),
    db: str = REGISTER_OPTION,
) -> None:
    """List requests with their status and due date."""
    with _register(db) as register:
        for request in register.list_requests(status):
            due = register.deadline_for(request).due
            typer.echo(
                f"{request.reference}\t{request.received}\t{request.status}\tdue {due}\t"
                f"{request.title}"
            )


@request_app.command("show")
def request_show(
    reference: str,
    explain: bool = typer.Option(False, "--explain", help="Say how the due date was reached."),
    requester: bool = typer.Option(
        False, "--requester", help="Also the requester's contact and other requests (private)."
    ),
    db: str = REGISTER_OPTION,
) -> None:
    """Show a request: status, deadline, parts, the content's fingerprint and next steps.

    The requester's contact only if asked (--requester).
    """
    import os

    from foidesk.foi import workflow
    from foidesk.foi.repeats import requests_from_requester

    with _register(db) as register:
        request = register.get(reference)
        deadline_ = register.deadline_for(request)
        typer.echo(f"{request.reference}: {request.title}")
        typer.echo(f"status: {request.status}")
        typer.echo(f"received: {request.received} ({request.channel})")
        typer.echo(f"due: {deadline_.due or 'clock stopped'}")
        if explain:
            for line in [*deadline_.explanation, *deadline_.warnings]:
                typer.echo(f"  {line}")
        for part in request.parts:
            sections = ", ".join(f"{e.section}{e.subsection}" for e in part.exemptions)
            typer.echo(f"part {part.number}: {part.decision or 'undecided'} {sections}".rstrip())
            typer.echo(f"  {part.text}")
        for problem in register.s17_problems(reference):
            typer.echo(f"to do: {problem}")
        if requester:
            typer.echo(f"requester (private): {request.requester_contact or 'no contact'}")
            for other in requests_from_requester(register, reference):
                typer.echo(f"  also asked: {other.reference} ({other.received}, {other.status})")
        typer.echo(f"fingerprint: {workflow.fingerprint(request)}")
        if os.environ.get(TOKEN_ENV):
            account = _account(db)
            steps = [s.command for s in workflow.allowed_steps(request, account)]
            typer.echo(f"{account.name} may: {' '.join(steps) or 'nothing now'}")


def _step_command(
    name: str, step: str, doc: str, act: Callable[..., Any], **options: Any
) -> Callable[..., None]:
    """A command taking the reference and ``options``, acting as the token's account."""
    import inspect

    def command(reference: str, db: str = REGISTER_OPTION, **values: Any) -> None:
        with _register(db) as register:
            who = _acting(register, db, step, reference)
            act(register, reference, who, **values)
            typer.echo(_status_line(register, reference))

    parameters = [
        inspect.Parameter("reference", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
        *(
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=str)
            if not isinstance(option, tuple)
            else inspect.Parameter(
                key, inspect.Parameter.KEYWORD_ONLY, default=option[1], annotation=option[0]
            )
            for key, option in options.items()
        ),
        inspect.Parameter(
            "db", inspect.Parameter.KEYWORD_ONLY, default=REGISTER_OPTION, annotation=str
        ),
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__doc__ = doc
    request_app.command(name)(command)
    return command


def _required(flag: str, help_: str) -> Any:
    return typer.Option(..., flag, help=help_)


def _optional(flag: str, help_: str, default: Any = None) -> Any:
    return typer.Option(default, flag, help=help_)


_step_command(
    "acknowledge",
    "acknowledge",
    "Record that the request was acknowledged.",
    lambda r, ref, who, on: r.acknowledge(ref, _date(on), who),
    on=_required("--on", "Date acknowledged."),
)
_step_command(
    "clarify",
    "seek clarification",
    "Ask the requester to clarify (s1(3)); the clock waits.",
    lambda r, ref, who, sought, question: r.clarify(ref, _date(sought), question, who),
    sought=_required("--sought", "Date clarification was sought."),
    question=_required("--question", "What needs clarifying."),
)
_step_command(
    "answer",
    "record the answer",
    "Record the requester's clarification; 20 working days start again.",
    lambda r, ref, who, answered, answer: r.answer_clarification(ref, _date(answered), answer, who),
    answered=_required("--answered", "Date the answer arrived."),
    answer=_required("--answer", "The requester's clarification."),
)
_step_command(
    "fee-notice",
    "fees notice",
    "Issue a fees notice (s9); the clock stops until it is paid.",
    lambda r, ref, who, notice, amount: r.fee_notice(ref, _date(notice), amount, who),
    notice=_required("--notice", "Date the fees notice was issued."),
    amount=(float, _required("--amount", "The fee asked for, in pounds.")),
)
_step_command(
    "fee-paid",
    "fee paid",
    "Record payment of the fee; the clock restarts.",
    lambda r, ref, who, paid: r.fee_paid(ref, _date(paid), who),
    paid=_required("--paid", "Date the fee was received."),
)


def _extend(register: Any, reference: str, who: Any, **values: Any) -> None:
    register.extend(
        reference,
        values["exemption"],
        _date(values["to"]),
        who,
        notified_on=_date(values["notified"]),
        override=values["override"],
    )
    for warning in register.deadline(reference).warnings:
        typer.echo(f"warning: {warning}", err=True)


_step_command(
    "extend",
    "public interest extension",
    "A public interest extension (s10(3)) to weigh a qualified exemption.",
    _extend,
    exemption=_required("--exemption", "Qualified exemption, e.g. s31."),
    to=_required("--to", "The new date for the response."),
    notified=_optional("--notified", "Date the requester was told."),
    override=_optional("--override", "Why a non-working day or > 20 more days is right.", ""),
)


def _decide(register: Any, reference: str, who: Any, **values: Any) -> None:
    from foidesk.input_files import read_yaml

    path = values["exemptions"]
    applied = read_yaml(Path(path)) if path else []
    register.decide(
        reference,
        values["part"],
        values["decision"],
        applied or [],
        who,
        summary=values["summary"],
        not_held=values["not_held"],
        held_by=values["held_by"],
    )


_step_command(
    "decide",
    "decide a part",
    "Record the decision on one part, with its exemptions.",
    _decide,
    part=(int, _required("--part", "Part number.")),
    decision=_required(
        "--decision",
        "disclosed, partly disclosed, not held, withheld, neither confirm nor deny, or "
        "refused (s12, s14).",
    ),
    exemptions=_optional(
        "--exemptions",
        "YAML list of exemptions or grounds (request-file format); a s12 refusal takes its "
        "estimate from the cost worksheet (`request cost`).",
    ),
    summary=_optional("--summary", "What is disclosed.", ""),
    not_held=_optional("--not-held", "What is asked for but not held, and why.", ""),
    held_by=_optional("--held-by", "Who holds what is not held, where known.", ""),
)
_step_command(
    "advise",
    "advice and assistance",
    "Record the advice and assistance (s16) the response gives.",
    lambda r, ref, who, advice: r.advise(ref, advice, who),
    advice=_required("--advice", "The advice, e.g. how to narrow the request."),
)
_step_command(
    "submit",
    "submit",
    "Submit the decisions for a reviewer's approval.",
    lambda r, ref, who: r.submit_for_approval(ref, who),
)
_step_command(
    "approve",
    "approve",
    "Approve the content you reviewed, named by the fingerprint `request show` printed.",
    lambda r, ref, who, fingerprint: r.approve(ref, who, fingerprint=fingerprint),
    fingerprint=_required("--fingerprint", "The fingerprint of the content you reviewed."),
)


def _respond(register: Any, reference: str, who: Any, on: str, attach: list[str] | None) -> None:
    files = []
    for item in attach or []:
        title, _, file = item.partition("=")
        if not file:
            raise typer.BadParameter(f"--attach {item!r}: expected TITLE=FILE")
        files.append({"title": title, "file": file})
    register.respond(reference, _date(on), files, who)


_step_command(
    "respond",
    "respond",
    "Record the response as issued (approved as it stands, s17 met).",
    _respond,
    on=_required("--on", "Date of the response."),
    attach=(list[str] | None, _optional("--attach", "TITLE=FILE of an attachment (repeat).")),
)


def _publish(register: Any, reference: str, who: Any, answer: str | None) -> None:
    from foidesk.web.log import publish_answer

    typer.echo(
        publish_answer(
            register.engine.url.render_as_string(hide_password=False),
            reference,
            Path(answer) if answer else None,
            published_by=who.name,
        )
    )


_step_command(
    "publish",
    "publish",
    "Publish the approved response to the disclosure log (responding first if needed).",
    _publish,
    answer=_optional("--answer", "Answer directory (manifest.json, letter, files)."),
)
_step_command(
    "withdraw",
    "withdraw",
    "The requester withdrew the request.",
    lambda r, ref, who, on, reason: r.withdraw(ref, _date(on), reason, who),
    on=_required("--on", "Date withdrawn."),
    reason=_required("--reason", "How the requester withdrew it."),
)
_step_command(
    "transfer",
    "transfer",
    "Transfer the request to the authority that holds the information.",
    lambda r, ref, who, on, to: r.transfer(ref, _date(on), to, who),
    on=_required("--on", "Date transferred."),
    to=_required("--to", "The authority it went to."),
)


def _review(register: Any, reference: str, who: Any, requested: str, exceptional: bool) -> None:
    register.internal_review(reference, _date(requested), who, exceptional=exceptional)
    typer.echo(f"{reference}: review due {register.review_deadline(reference).due}")


_step_command(
    "review",
    "internal review requested",
    "Log the requester's request for an internal review.",
    _review,
    requested=_required("--requested", "Date the review was asked for."),
    exceptional=(bool, typer.Option(False, "--exceptional", help="40 working days.")),
)
_step_command(
    "review-decided",
    "internal review decided",
    "Record the internal review's decision (a reviewer).",
    lambda r, ref, who, decided, outcome: r.decide_review(ref, _date(decided), outcome, who),
    decided=_required("--decided", "Date of the review's decision."),
    outcome=_required("--outcome", "What the review decided."),
)
_step_command(
    "ico",
    "ICO complaint lodged",
    "Log a complaint to the Information Commissioner (s50).",
    lambda r, ref, who, lodged, ico_reference: r.ico_appeal(
        ref, _date(lodged), who, ico_reference=ico_reference
    ),
    lodged=_required("--lodged", "Date the complaint was lodged."),
    ico_reference=_optional("--ico-reference", "The ICO's case reference.", ""),
)
_step_command(
    "ico-decided",
    "ICO complaint decided",
    "Record the ICO's decision notice and the compliance period it gives.",
    lambda r, ref, who, decided, outcome, compliance_days: r.ico_decision(
        ref, _date(decided), outcome, who, compliance_days=compliance_days
    ),
    decided=_required("--decided", "Date of the decision notice."),
    outcome=_required("--outcome", "What the decision notice found."),
    compliance_days=(int, typer.Option(35, "--compliance-days", help="Days it gives to comply.")),
)
_step_command(
    "comply",
    "decision-notice compliance",
    "Record that the decision notice was complied with.",
    lambda r, ref, who, on: r.comply(ref, _date(on), who),
    on=_required("--on", "Date complied."),
)
_step_command(
    "tribunal",
    "tribunal appeal",
    "Record an appeal to the First-tier Tribunal against the decision notice.",
    lambda r, ref, who, lodged: r.tribunal_appeal(ref, _date(lodged), who),
    lodged=_required("--lodged", "Date the appeal was lodged."),
)
_step_command(
    "tribunal-decided",
    "tribunal decided",
    "Record the Tribunal's decision.",
    lambda r, ref, who, decided, outcome: r.tribunal_decision(ref, _date(decided), outcome, who),
    decided=_required("--decided", "Date of the Tribunal's decision."),
    outcome=_required("--outcome", "What the Tribunal decided."),
)


def _correct(register: Any, reference: str, who: Any, **values: Any) -> None:
    if bool(values["received"]) == bool(values["extension"]):
        raise typer.BadParameter("give --received or --extension (one of them)")
    if values["received"]:
        register.correct_received(reference, _date(values["received"]), values["reason"], who)
    else:
        register.correct_extension(
            reference,
            _date(values["extension"]),
            values["reason"],
            who,
            override=values["override"],
        )


_step_command(
    "correct",
    "correct an entry",
    "Correct the date of receipt or an extension's date, with the reason.",
    _correct,
    received=_optional("--received", "The right date of receipt."),
    extension=_optional("--extension", "The right date the extension runs to."),
    reason=_required("--reason", "Why the entry was wrong."),
    override=_optional("--override", "Why a non-working day or > 20 more days is right.", ""),
)


@request_app.command("cost")
def request_cost(
    reference: str,
    activity: str = typer.Option(None, "--activity", help="determine, locate, retrieve, extract."),
    description: str = typer.Option("", "--description", help="What the work is."),
    records: int = typer.Option(0, "--records", help="How many records."),
    minutes: float = typer.Option(0, "--minutes", help="Minutes per record."),
    part: int = typer.Option(None, "--part", help="The part the line is for."),
    db: str = REGISTER_OPTION,
) -> None:
    """Show the s12 worksheet; with --activity, add a line to it first."""
    with _register(db) as register:
        if activity:
            who = _acting(register, db, "cost estimate", reference)
            register.add_cost_line(
                reference, activity, description, records, minutes, who, part_number=part
            )
        estimate = register.cost_estimate(reference)
        for item in estimate.items:
            typer.echo(
                f"{item.activity}\t{item.records}\t{item.minutes_per_record} min\t"
                f"{item.description}"
            )
        typer.echo(f"total: {estimate.hours} hours, £{estimate.cost} (limit £{estimate.limit})")
        typer.echo(estimate.s12_paragraph())


@request_app.command("personal-data")
def request_personal_data(
    reference: str,
    answer: Annotated[
        Path | None, typer.Option(help="Answer directory (manifest.json, letter, files).")
    ] = None,
    review: Annotated[
        Path | None, typer.Option(help="A review file to record; without it, print a template.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Suggestions as JSON.")] = False,
    db: str = REGISTER_OPTION,
) -> None:
    """Review what the log would show for personal data: print suggestions, or record one.

    Recording one (--review) acts as the account in $FOIDESK_TOKEN.
    """
    import json
    from dataclasses import asdict

    from foidesk.foi import personal_data

    with _register(db) as register:
        if review is None:
            _, texts = personal_data.review_texts(register, reference, answer)
            found = personal_data.suggestions(texts, register.settings)
            if as_json:
                typer.echo(json.dumps([asdict(s) for s in found], indent=2))
            else:
                typer.echo(personal_data.review_template(reference, found), nl=False)
            return
        who = _acting(register, db, "personal-data review", reference)
        recorded = personal_data.review_from_file(register, review, answer, who)
        removed = sum(1 for d in recorded.decisions if d.decision == "remove")
        typer.echo(f"{reference}: personal-data review recorded ({removed} removed)")


@request_app.command("repeats")
def request_repeats(
    reference: str,
    as_json: Annotated[bool, typer.Option("--json", help="The findings as JSON.")] = False,
    db: str = REGISTER_OPTION,
) -> None:
    """Earlier requests this one repeats (s14(2)), and whether it is a round robin."""
    import json
    from dataclasses import asdict

    from foidesk.foi import repeats

    with _register(db) as register:
        found = repeats.find(register, reference)
    if as_json:
        data = {**asdict(found), "flags": found.flags}
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    for line in found.flags or [f"{reference}: no earlier request repeats it"]:
        typer.echo(line)


@request_app.command("import-email")
def request_import_email(
    message: Path,
    reference: Annotated[
        str | None, typer.Option(help="Reference for a new request (a reply finds its own).")
    ] = None,
    db: str = REGISTER_OPTION,
) -> None:
    """File an email (.eml) on its request, or log it as a new request (as your account)."""
    from foidesk.foi import correspondence

    with _register(db) as register:
        who = _acting(register, db, "log")
        found, what = correspondence.import_email(register, message, who, reference=reference)
    typer.echo(f"{found}: {what}")


@request_app.command("messages")
def request_messages(
    reference: str,
    retry: Annotated[bool, typer.Option(help="Send again what failed (every request).")] = False,
    db: str = REGISTER_OPTION,
) -> None:
    """The email thread with the requester: each message, its direction and status."""
    from foidesk.foi import correspondence

    with _register(db) as register:
        if retry:
            for sent in correspondence.retry(register):
                typer.echo(f"{sent.message_id}\t{sent.status}\t{sent.error}".rstrip())
        for m in correspondence.thread(register, reference):
            error = f"\t{m.last_error}" if m.last_error else ""
            typer.echo(f"{m.at:%Y-%m-%d %H:%M}\t{m.direction}\t{m.kind}\t{m.status}{error}")


@request_app.command("audit")
def request_audit(reference: str, db: str = REGISTER_OPTION) -> None:
    """The audit trail: who changed what, when."""
    with _register(db) as register:
        for entry in register.audit_trail(reference):
            change = f"{entry.field}: {entry.old!r} -> {entry.new!r}" if entry.field else ""
            who = f"{entry.actor} ({entry.role})"
            typer.echo(f"{entry.at:%Y-%m-%d %H:%M:%S}\t{who}\t{entry.action}\t{change}")


@request_app.command("import")
def request_import(
    request_file: Path,
    store: Annotated[
        Path | None, typer.Option(help="Crime-record store, for record counts.")
    ] = None,
    db: str = REGISTER_OPTION,
) -> None:
    """Import a request file as your account; its approvals are recorded as declared."""
    from foidesk.foi.request_file import import_request_file

    with _register(db) as register:
        who = _acting(register, db, "log")
        reference = import_request_file(request_file, register, store=store, importer=who)
        typer.echo(f"{reference}: {register.status(reference)}")


@request_app.command("export")
def request_export(reference: str, out: Path, db: str = REGISTER_OPTION) -> None:
    """Write what the register holds about a request as a request file."""
    from foidesk.foi.request_file import export_request_file

    with _register(db) as register:
        typer.echo(str(export_request_file(register, reference, out)))


@request_app.command("letter")
def request_letter(
    request_file: Path,
    out: Annotated[Path, typer.Option(help="Directory for response.html and .pdf.")],
    store: Annotated[
        Path | None, typer.Option(help="Crime-record store, for record counts.")
    ] = None,
    db: str = REGISTER_OPTION,
) -> None:
    """Import the request file if new and write its response letter as HTML and PDF."""
    from foidesk.foi.letters import write_response

    try:
        paths = write_response(request_file, db, out, store=store)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    for path in paths.values():
        typer.echo(str(path))


@request_app.command("stats")
def request_stats(
    period: str = typer.Option("month", "--period", help="month or quarter."),
    csv: Annotated[Path | None, typer.Option(help="Write the figures to this CSV file.")] = None,
    db: str = REGISTER_OPTION,
) -> None:
    """s45 statistics: requests answered in time, extensions and outcomes per period."""
    from foidesk.foi.timeliness import s45_statistics, write_s45_csv

    with _register(db) as register:
        if csv:
            typer.echo(str(write_s45_csv(register, csv, period)))
        else:
            typer.echo(s45_statistics(register, period).to_string(index=False))


app.add_typer(request_app, name="request")

# --- documents: policy ..., redact ---------------------------------------------------------

policy_app = typer.Typer(help="The policy registry: versions and the version-control document.")
app.add_typer(policy_app, name="policy")


@policy_app.command("add")
def policy_add(
    name: str = typer.Argument(..., help="The policy's short name, e.g. domestic-abuse."),
    number: str = typer.Option(..., "--number", help="Version number, e.g. 12.1."),
    effective: str = typer.Option(..., "--effective", help="Effective date, YYYY-MM-DD."),
    owner: str = typer.Option(..., "--owner", help="The owner's role."),
    amendments: str = typer.Option(None, "--amendments", help="Summary of amendments."),
    file: str = typer.Option(None, "--file", help="The policy file as issued."),
    title: str = typer.Option(None, "--title", help="The policy's title (needed the first time)."),
    db: str = REGISTER_OPTION,
) -> None:
    """Register a version of a policy."""
    from datetime import date
    from pathlib import Path

    from foidesk.documents.registry import PolicyError, add_policy_version

    try:
        when = date.fromisoformat(effective)
        record = add_policy_version(
            db, name, number, when, owner, amendments, Path(file) if file else None, title
        )
    except (PolicyError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{record.policy} {record.number} effective {record.effective}")


@policy_app.command("list")
def policy_list(db: str = REGISTER_OPTION) -> None:
    """List registered policies with their current version."""
    from foidesk.documents.registry import list_policies

    for policy in list_policies(db):
        typer.echo(
            f"{policy.name}\t{policy.title}\t{policy.versions} versions\t"
            f"current {policy.latest} ({policy.latest_effective})"
        )


@policy_app.command("history")
def policy_history_command(name: str = typer.Argument(...), db: str = REGISTER_OPTION) -> None:
    """Every version of a policy, oldest first."""
    from foidesk.documents.registry import PolicyError, policy_history

    try:
        history = policy_history(db, name)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for version in history:
        typer.echo(
            f"{version.number}\t{version.effective}\t{version.owner_role}\t"
            f"{version.amendments or '(amendments not recorded)'}"
        )


@policy_app.command("version-control")
def policy_version_control(
    name: str = typer.Argument(...),
    out: str = typer.Option(..., "--out", help="Directory for the PDF and HTML."),
    db: str = REGISTER_OPTION,
) -> None:
    """Write a policy's version-control document (PDF and HTML)."""
    from foidesk.documents.registry import PolicyError
    from foidesk.documents.versioncontrol import write_version_control

    try:
        written = write_version_control(db, name, out)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written.values():
        typer.echo(str(path))


@app.command("redact")
def redact_command(
    source: str = typer.Argument(..., help="The PDF or DOCX to redact."),
    out: str = typer.Option(..., "--out", help="The redacted file to write."),
    phrase: Annotated[
        list[str] | None, typer.Option("--phrase", help="Text to remove (repeatable).")
    ] = None,
    regex: Annotated[
        list[str] | None, typer.Option("--regex", help="Regular expression (repeatable).")
    ] = None,
    pages: Annotated[
        list[str] | None, typer.Option("--pages", help="PDF page range, e.g. 2-3,5.")
    ] = None,
    paragraphs: Annotated[
        list[str] | None, typer.Option("--paragraphs", help="DOCX paragraph range.")
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="PDF area PAGE:x0,y0,x1,y1 in points.")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", help="Exemption label, e.g. s31(1)(a).")
    ] = None,
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help="Reason recorded in the log.")
    ] = None,
    review: str = typer.Option(None, "--review", help="Reviewed suggestions CSV to apply."),
    log: str = typer.Option(None, "--log", help="Where to write the JSON log (CSV beside it)."),
) -> None:
    """Redact a PDF or DOCX and prove the result; exits non-zero if anything survives."""
    from pathlib import Path

    from rich.progress import Progress

    from foidesk.documents.redaction import RedactionFailed, redact
    from foidesk.documents.rules import RuleError, pair_rules
    from foidesk.documents.suggestions import rules_from_review

    try:
        rules = rules_from_review(Path(review)) if review else []
        given = [phrase or [], regex or [], pages or [], paragraphs or [], area or []]
        if any(given) or not rules:
            rules += pair_rules(*given, label or [], reason or [])
        log_json = Path(log) if log else None
        with Progress(transient=True) as bar:
            task = bar.add_task("redacting", total=None)

            def report(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            result = redact(
                Path(source),
                Path(out),
                rules,
                log_json=log_json,
                log_csv=log_json.with_suffix(".csv") if log_json else None,
                progress=report,
            )
    except RedactionFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except (RuleError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{result.output}: {len(result.entries)} redactions, verified by "
        f"{' and '.join(result.checked_by)}; log {result.log_json}"
    )


@app.command("suggest")
def suggest_command(
    source: str = typer.Argument(..., help="The PDF, DOCX or text file to read."),
    names: str = typer.Option(None, "--names", help="File of names to look for, one a line."),
    review: str = typer.Option(None, "--review", help="Write the reviewer's CSV here."),
) -> None:
    """Suggest redactions for a reviewer; nothing is changed."""
    from pathlib import Path

    from foidesk.documents.rules import RuleError
    from foidesk.documents.suggestions import read_names, suggest, write_review

    try:
        found = suggest(Path(source), read_names(Path(names)) if names else [])
    except (RuleError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for item in found:
        typer.echo(f"{item.where}\t{item.kind}\t{item.text}")
    if review:
        typer.echo(f"review sheet: {write_review(found, Path(review))}")


@app.command("inspect")
def inspect_command(
    source: str = typer.Argument(..., help="The XLSX or DOCX file to read part by part."),
    forbidden: Annotated[
        list[str] | None, typer.Option("--forbidden", help="A string that must not be there.")
    ] = None,
) -> None:
    """Report hidden content in a workbook or Word file; exits 1 if anything is found."""
    from pathlib import Path

    from foidesk.documents.hidden_content import inspect_docx, inspect_workbook

    path = Path(source)
    readers = {".xlsx": inspect_workbook, ".docx": inspect_docx}
    if path.suffix.lower() not in readers:
        typer.echo(f"error: {path}: can inspect .xlsx and .docx files only", err=True)
        raise typer.Exit(2)
    try:
        findings = readers[path.suffix.lower()](path, forbidden or [])
    except (ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for finding in findings:
        found = f" [{finding.forbidden}]" if finding.forbidden else ""
        typer.echo(f"{finding.part}\t{finding.where}\t{finding.kind}\t{finding.detail}{found}")
    typer.echo(f"{len(findings)} findings in {path}")
    if findings:
        raise typer.Exit(1)


# --- web: serve, user ... -----------------------------------------------------------------


@app.command()
def serve(
    db: str = typer.Option(..., "--db", help="Register and disclosure log (SQLite file or URL)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    https: bool = typer.Option(
        False, "--https", help="Served over HTTPS (e.g. behind a proxy): Secure cookies."
    ),
    answers: str | None = typer.Option(
        None, "--answers", help="Folder of answer directories, one per reference."
    ),
    requests: str | None = typer.Option(
        None, "--requests", help="Folder of request files named <reference>.yaml."
    ),
    records: str | None = typer.Option(None, "--records", help="Crime-record store (DuckDB)."),
    trusted_host: list[str] = typer.Option(  # noqa: B008 (typer's own idiom)
        [], "--trusted-host", help="A host name the site is reached by; repeat for more."
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-* headers are believed (default: FORWARDED_ALLOW_IPS).",
    ),
) -> None:
    """Serve the public disclosure log and the officers' workspace."""
    from pathlib import Path

    from foidesk.web.app import serve as serve_app

    typer.echo(f"Disclosure log on http://{host}:{port}/log, workspace on /workspace")
    serve_app(
        db,
        host,
        port,
        https=https,
        trusted_hosts=trusted_host or None,
        forwarded_allow_ips=forwarded_allow_ips,
        answers_dir=Path(answers) if answers else None,
        requests_dir=Path(requests) if requests else None,
        records=Path(records) if records else None,
    )


user_app = typer.Typer(help="Workspace accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="The user name to sign in with."),
    role: list[str] = typer.Option(  # noqa: B008 (typer's own idiom)
        ..., "--role", help="officer, analyst, reviewer or admin; repeat for more than one."
    ),
    db: str = typer.Option(..., "--db", help="Register database (SQLite file or URL)."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Take the password from this environment variable."
    ),
    prompt: bool = typer.Option(False, "--prompt", help="Ask for the password."),
) -> None:
    """Add a user (a name in use is refused); prints the generated password unless given."""
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, add_user

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise typer.BadParameter(f"environment variable {password_env} is not set")
    elif prompt:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_session(db) as session:
        try:
            made = add_user(session, username, role, password)
        except AccountError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} ({', '.join(role)})")
    if password is None:
        typer.echo(f"password: {made}")


@user_app.command("token")
def user_token(
    username: str = typer.Argument(..., help="Your user name."),
    db: str = typer.Option(..., "--db", help="Register database (SQLite file or URL)."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Take your password from this environment variable."
    ),
) -> None:
    """Create a token for your account (replacing any earlier one); put it in $FOIDESK_TOKEN.

    Register-changing commands act as the token's account, with only its roles.
    """
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, issue_token

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise typer.BadParameter(f"environment variable {password_env} is not set")
    else:
        password = typer.prompt("Password", hide_input=True)
    with open_session(db) as session:
        try:
            token = issue_token(session, username, password)
        except AccountError as exc:
            raise _fail(str(exc)) from None
    typer.echo(token)


@user_app.command("deactivate")
def user_deactivate(
    username: str = typer.Argument(..., help="The user who may no longer sign in."),
    db: str = typer.Option(..., "--db", help="Register database."),
) -> None:
    """Stop a user signing in, at once; their name stays on the audit trail."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, deactivate_user

    with open_session(db) as session:
        try:
            deactivate_user(session, username)
        except AccountError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} deactivated")


@user_app.command("reset")
def user_reset(
    username: str = typer.Argument(..., help="The user whose password is replaced."),
    db: str = typer.Option(..., "--db", help="Register database."),
) -> None:
    """Give a user a new generated password (printed once); their sessions end at once."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, reset_password

    with open_session(db) as session:
        try:
            password = reset_password(session, username)
        except AccountError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username}: password reset")
    typer.echo(f"password: {password}")


@user_app.command("reactivate")
def user_reactivate(
    username: str = typer.Argument(..., help="The deactivated user who may sign in again."),
    db: str = typer.Option(..., "--db", help="Register database."),
) -> None:
    """Let a deactivated user sign in again, with the password they had."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, reactivate_user

    with open_session(db) as session:
        try:
            reactivate_user(session, username)
        except AccountError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} reactivated")


@user_app.command("list")
def user_list(db: str = typer.Option(..., "--db", help="Register database.")) -> None:
    """List workspace users and their roles."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import list_users

    with open_session(db) as session:
        for account in list_users(session):
            state = "" if account.active else " (inactive)"
            typer.echo(f"{account.username}\t{account.roles}{state}")


if __name__ == "__main__":
    app()
