"""The FOI commands of the ``foidesk`` CLI: ``deadline`` and the ``request`` group.

Each command wraps one public function of the register, clock, costs, letters or
timeliness modules and prints its result. Errors are printed on one line, exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

request_app = typer.Typer(
    help="The FOI register: log, clarify, decide, cost, respond, import and export requests.",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(
    "register.sqlite", "--db", envvar="FOIDESK_DB", help="Register: SQLite file or URL."
)
ACTOR_OPTION = typer.Option(..., "--actor", help="Your user name, for the audit trail.")
ROLE_OPTION = typer.Option("officer", "--role", help="Your role: officer, analyst, reviewer.")


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@contextmanager
def _register(db: str) -> Iterator[Any]:
    from foidesk.foi.register import Register, RequestNotFound, TransitionError
    from foidesk.foi.request_file import RequestFileError

    try:
        with Register(db) as register:
            yield register
    except (TransitionError, RequestNotFound, RequestFileError, ValueError, KeyError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def _actor(name: str, role: str) -> Any:
    from foidesk.foi.register import Actor

    try:
        return Actor(name, role)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


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
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Log a new request."""
    with _register(db) as register:
        request = register.new_request(
            reference,
            _date(received),
            text,
            part or [],
            channel,
            contact,
            _actor(actor, role),
            title=title,
        )
        due = register.deadline_for(request).due
    typer.echo(f"{request.reference}: {request.status}, due {due}")


@request_app.command("list")
def request_list(
    status: str = typer.Option(None, "--status", help="Only requests at this status."),
    db: str = DB_OPTION,
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
    db: str = DB_OPTION,
) -> None:
    """Show a request: status, deadline, parts and decisions (not the requester)."""
    with _register(db) as register:
        request = register.get(reference)
        deadline_ = register.deadline_for(request)
        typer.echo(f"{request.reference}: {request.title}")
        typer.echo(f"status: {request.status}")
        typer.echo(f"received: {request.received} ({request.channel})")
        typer.echo(f"due: {deadline_.due}")
        if explain:
            for line in [*deadline_.explanation, *deadline_.warnings]:
                typer.echo(f"  {line}")
        for part in request.parts:
            sections = ", ".join(f"{e.section}{e.subsection}" for e in part.exemptions)
            typer.echo(f"part {part.number}: {part.decision or 'undecided'} {sections}".rstrip())
            typer.echo(f"  {part.text}")
        for problem in register.s17_problems(reference):
            typer.echo(f"to do: {problem}")


@request_app.command("clarify")
def request_clarify(
    reference: str,
    sought: str = typer.Option(None, "--sought", help="Date clarification was sought."),
    question: str = typer.Option(None, "--question", help="What needs clarifying."),
    answered: str = typer.Option(None, "--answered", help="Date the answer arrived."),
    answer: str = typer.Option(None, "--answer", help="The requester's clarification."),
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Seek clarification (--sought, --question) or record the answer (--answered, --answer)."""
    with _register(db) as register:
        who = _actor(actor, role)
        if sought:
            register.clarify(reference, _date(sought), question or "", who)
        if answered:
            register.answer_clarification(reference, _date(answered), answer or "", who)
        if not (sought or answered):
            raise typer.BadParameter("give --sought and --question, or --answered and --answer")
        typer.echo(
            f"{reference}: {register.status(reference)}, due {register.deadline(reference).due}"
        )


@request_app.command("fee")
def request_fee(
    reference: str,
    notice: str = typer.Option(None, "--notice", help="Date the fees notice was issued."),
    amount: float = typer.Option(0, "--amount", help="The fee asked for, in pounds."),
    paid: str = typer.Option(None, "--paid", help="Date the fee was received."),
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Issue a fees notice (--notice, --amount) or record its payment (--paid)."""
    with _register(db) as register:
        who = _actor(actor, role)
        if notice:
            register.fee_notice(reference, _date(notice), amount, who)
        if paid:
            register.fee_paid(reference, _date(paid), who)
        if not (notice or paid):
            raise typer.BadParameter("give --notice and --amount, or --paid")
        due = register.deadline(reference).due
        typer.echo(
            f"{reference}: {register.status(reference)}, due {due or 'when the fee is paid'}"
        )


@request_app.command("extend")
def request_extend(
    reference: str,
    exemption: str = typer.Option(..., "--exemption", help="Qualified exemption, e.g. s31."),
    to: str = typer.Option(..., "--to", help="The new date for the response."),
    notified: str = typer.Option(None, "--notified", help="Date the requester was told."),
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """A public interest extension (s10(3)) to weigh a qualified exemption."""
    with _register(db) as register:
        register.extend(
            reference, exemption, _date(to), _actor(actor, role), notified_on=_date(notified)
        )
        deadline_ = register.deadline(reference)
        typer.echo(f"{reference}: due {deadline_.due}")
        for warning in deadline_.warnings:
            typer.echo(f"warning: {warning}", err=True)


@request_app.command("review")
def request_review(
    reference: str,
    requested: str = typer.Option(None, "--requested", help="Date the review was asked for."),
    exceptional: bool = typer.Option(False, "--exceptional", help="40 working days."),
    decided: str = typer.Option(None, "--decided", help="Date of the review's decision."),
    outcome: str = typer.Option("", "--outcome", help="What the review decided."),
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Log an internal review (--requested) or its decision (--decided, --outcome)."""
    with _register(db) as register:
        who = _actor(actor, role)
        if requested:
            register.internal_review(reference, _date(requested), who, exceptional=exceptional)
            typer.echo(f"{reference}: review due {register.review_deadline(reference).due}")
        if decided:
            register.decide_review(reference, _date(decided), outcome, who)
            typer.echo(f"{reference}: {register.status(reference)}")
        if not (requested or decided):
            raise typer.BadParameter("give --requested, or --decided and --outcome")


@request_app.command("ico")
def request_ico(
    reference: str,
    lodged: str = typer.Option(None, "--lodged", help="Date the complaint was lodged."),
    ico_reference: str = typer.Option("", "--ico-reference", help="The ICO's case reference."),
    decided: str = typer.Option(None, "--decided", help="Date of the decision notice."),
    outcome: str = typer.Option("", "--outcome", help="What the decision notice found."),
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Log a complaint to the ICO (s50) (--lodged) or its decision notice (--decided)."""
    with _register(db) as register:
        who = _actor(actor, role)
        if lodged:
            register.ico_appeal(reference, _date(lodged), who, ico_reference=ico_reference)
        if decided:
            register.ico_decision(reference, _date(decided), outcome, who)
        if not (lodged or decided):
            raise typer.BadParameter("give --lodged, or --decided and --outcome")
        typer.echo(f"{reference}: {register.status(reference)}")


@request_app.command("decide")
def request_decide(
    reference: str,
    part: int = typer.Argument(..., help="Part number."),
    decision: str = typer.Argument(..., help="disclosed, partly disclosed, not held, ..."),
    exemptions: Annotated[
        Path | None, typer.Option(help="YAML list of exemptions (request-file format).")
    ] = None,
    summary: str = typer.Option("", "--summary", help="What is disclosed."),
    not_held: str = typer.Option("", "--not-held", help="What is asked for but not held."),
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Record the decision on one part, with its exemptions."""
    import yaml

    applied = yaml.safe_load(exemptions.read_text(encoding="utf-8")) if exemptions else []
    with _register(db) as register:
        register.decide(
            reference,
            part,
            decision,
            applied or [],
            _actor(actor, role),
            summary=summary,
            not_held=not_held,
        )
        typer.echo(f"{reference} part {part}: {decision}; status {register.status(reference)}")


@request_app.command("cost")
def request_cost(
    reference: str,
    activity: str = typer.Option(None, "--activity", help="determine, locate, retrieve, extract."),
    description: str = typer.Option("", "--description", help="What the work is."),
    records: int = typer.Option(0, "--records", help="How many records."),
    minutes: float = typer.Option(0, "--minutes", help="Minutes per record."),
    actor: str = typer.Option(None, "--actor", help="Your user name (when adding a line)."),
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Show the s12 worksheet; with --activity, add a line to it first."""
    with _register(db) as register:
        if activity:
            if not actor:
                raise typer.BadParameter("--actor is needed to add a cost line")
            register.add_cost_line(
                reference, activity, description, records, minutes, _actor(actor, role)
            )
        estimate = register.cost_estimate(reference)
        for item in estimate.items:
            minutes = f"{item.minutes_per_record} min"
            typer.echo(f"{item.activity}\t{item.records}\t{minutes}\t{item.description}")
        typer.echo(f"total: {estimate.hours} hours, £{estimate.cost} (limit £{estimate.limit})")
        typer.echo(estimate.s12_paragraph())


def _step(name: str, method: str, doc: str) -> Callable[..., None]:
    def command(
        reference: str,
        actor: str = ACTOR_OPTION,
        role: str = ROLE_OPTION,
        db: str = DB_OPTION,
    ) -> None:
        with _register(db) as register:
            getattr(register, method)(reference, _actor(actor, role))
            typer.echo(f"{reference}: {register.status(reference)}")

    command.__doc__ = doc
    request_app.command(name)(command)
    return command


_step("submit", "submit_for_approval", "Submit the decisions for a reviewer's approval.")
_step("approve", "approve", "Approve the response (reviewer role; not the submitter).")


@request_app.command("respond")
def request_respond(
    reference: str,
    on: str = typer.Option(..., "--on", help="Date of the response."),
    attach: Annotated[list[str] | None, typer.Option(help="TITLE=FILE of an attachment.")] = None,
    actor: str = ACTOR_OPTION,
    role: str = ROLE_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Record the response as issued (it must be approved and meet s17)."""
    files = []
    for item in attach or []:
        title, _, file = item.partition("=")
        if not file:
            raise typer.BadParameter(f"--attach {item!r}: expected TITLE=FILE")
        files.append({"title": title, "file": file})
    with _register(db) as register:
        register.respond(reference, _date(on), files, _actor(actor, role))
        typer.echo(f"{reference}: {register.status(reference)}")


@request_app.command("audit")
def request_audit(reference: str, db: str = DB_OPTION) -> None:
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
    db: str = DB_OPTION,
) -> None:
    """Import a request file into the register (a request already there is left alone)."""
    from foidesk.foi.request_file import import_request_file

    with _register(db) as register:
        reference = import_request_file(request_file, register, store=store)
        typer.echo(f"{reference}: {register.status(reference)}")


@request_app.command("export")
def request_export(reference: str, out: Path, db: str = DB_OPTION) -> None:
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
    db: str = DB_OPTION,
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
    db: str = DB_OPTION,
) -> None:
    """s45 statistics: requests answered in time, extensions and outcomes per period."""
    from foidesk.foi.timeliness import s45_statistics, write_s45_csv

    with _register(db) as register:
        if csv:
            typer.echo(str(write_s45_csv(register, csv, period)))
        else:
            typer.echo(s45_statistics(register, period).to_string(index=False))
