"""The ``request`` commands over the FOI register (each step of a request's workflow,
import, export, letters, statistics) and ``deadline``, the statutory clock alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from foidesk.cli.errors import BadInput
from foidesk.cli.options import OPTIONAL_STORE_OPTION, REGISTER_OPTION, parse_date
from foidesk.cli.output import JSON_OPTION, print_json
from foidesk.cli.register import TOKEN_ENV, acting, open_register, status_line, token_account
from foidesk.cli.root import app

request_app = typer.Typer(
    help="The FOI register: each step of a request's workflow, import and export.",
    no_args_is_help=True,
)


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
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the due date (ISO) on the first line; with --explain, why."""
    from foidesk.foi.clock import FeePause, due_date, review_due

    day = parse_date(received)
    assert day is not None
    if review:
        result = review_due(day, exceptional=exceptional)
    else:
        pauses = [FeePause(parse_date(fee_notice), parse_date(fee_paid))] if fee_notice else []
        result = due_date(
            day,
            clarified=parse_date(clarified),
            fee_pauses=pauses,  # type: ignore[arg-type]
            extended_to=parse_date(extended_to),
            receipt_rule="next-working-day" if next_working_day else "as-received",
        )
    if as_json:
        print_json(
            {
                "due": result.due.isoformat() if result.due else None,
                "explanation": result.explanation,
                "warnings": result.warnings,
            }
        )
        return
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
    requester_type: str = typer.Option(
        "",
        "--requester-type",
        help="individual, media, business, campaign group, solicitor or other (statistics only).",
    ),
    db: str = REGISTER_OPTION,
) -> None:
    """Log a new request."""
    from foidesk.foi import repeats

    with open_register(db) as register:
        who = acting(register, db, "log")
        request = register.new_request(
            reference,
            parse_date(received),
            text,
            part or [],
            channel,
            contact,
            who,
            title=title,
            requester_type=requester_type,
        )
        due = register.deadline_for(request).due
        flags = repeats.find(register, request.reference).flags
    typer.echo(f"{request.reference}: {request.status}, due {due}")
    for line in flags:
        typer.echo(f"note: {line}")


@request_app.command("list")
def request_list(
    status: str = typer.Option(None, "--status", help="Only requests at this status."),
    as_json: bool = JSON_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """List requests with their status and due date."""
    with open_register(db) as register:
        found = [
            {
                "reference": request.reference,
                "received": request.received,
                "status": request.status,
                "due": register.deadline_for(request).due,
                "title": request.title,
            }
            for request in register.list_requests(status)
        ]
    if as_json:
        print_json(found)
        return
    for row in found:
        typer.echo(
            f"{row['reference']}\t{row['received']}\t{row['status']}\tdue {row['due']}\t"
            f"{row['title']}"
        )


@request_app.command("due")
def request_due(as_json: bool = JSON_OPTION, db: str = REGISTER_OPTION) -> None:
    """Steps time has brought due: fees to lapse (s9(2)), clarifications to remind of or close.

    Take each with the command shown (``foidesk request lapse|remind|close REFERENCE``).
    """
    with open_register(db) as register:
        due = register.due()
    if as_json:
        print_json(
            [
                {"reference": i.reference, "step": i.step.command, "since": i.since, "why": i.why}
                for i in due
            ]
        )
        return
    for item in due:
        typer.echo(f"{item.reference}\t{item.step.command}\tdue since {item.since}\t{item.why}")
    if not due:
        typer.echo("nothing due")


@request_app.command("show")
def request_show(
    reference: str,
    explain: bool = typer.Option(False, "--explain", help="Say how the due date was reached."),
    requester: bool = typer.Option(
        False, "--requester", help="Also the requester's contact and other requests (private)."
    ),
    as_json: bool = JSON_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """Show a request: status, deadline, parts, the content's fingerprint and next steps.

    The requester's contact only if asked (--requester).
    """
    import os

    from foidesk.foi import workflow
    from foidesk.foi.repeats import requests_from_requester

    with open_register(db) as register:
        request = register.get(reference)
        deadline_ = register.deadline_for(request)
        if as_json:
            print_json(_request_data(register, db, request, deadline_, requester))
            return
        typer.echo(f"{request.reference}: {request.title or '(no title for the log yet)'}")
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
        for link in request.aggregations:
            typer.echo(
                f"aggregated with {link.other_reference} (regulation 5, {link.linked_on}): "
                f"{link.reason}"
            )
        today = register.today()
        for notice in workflow.decision_notices(request):
            named = f" {notice.ico_reference}" if notice.ico_reference else ""
            typer.echo(
                f"ICO decision notice{named} of {notice.decided_on}: compliance "
                f"{notice.compliance(today)}; Tribunal appeal {notice.appeal(today)}"
            )
        for item in workflow.due_steps(request, register.timing()):
            typer.echo(f"due since {item.since}: {item.step.command} ({item.why})")
        if requester:
            typer.echo(f"requester (private): {request.requester_contact or 'no contact'}")
            typer.echo(f"requester type (private): {request.requester_type or 'not recorded'}")
            for other in requests_from_requester(register, reference):
                typer.echo(f"  also asked: {other.reference} ({other.received}, {other.status})")
        typer.echo(f"fingerprint: {workflow.fingerprint(request)}")
        if os.environ.get(TOKEN_ENV):
            account = token_account(db)
            steps = [s.command for s in workflow.allowed_steps(request, account, register.timing())]
            typer.echo(f"{account.name} may: {' '.join(steps) or 'nothing now'}")


def _request_data(
    register: Any, db: str, request: Any, deadline_: Any, requester: bool
) -> dict[str, Any]:
    """What `request show` prints, as data: the private contact only if asked."""
    import os

    from foidesk.foi import workflow
    from foidesk.foi.repeats import requests_from_requester

    data: dict[str, Any] = {
        "reference": request.reference,
        "title": request.title,
        "status": request.status,
        "received": request.received,
        "channel": request.channel,
        "due": deadline_.due,
        "explanation": [*deadline_.explanation],
        "warnings": [*deadline_.warnings],
        "parts": [
            {
                "number": part.number,
                "text": part.text,
                "decision": part.decision,
                "exemptions": [f"{e.section}{e.subsection}" for e in part.exemptions],
            }
            for part in request.parts
        ],
        "to_do": list(register.s17_problems(request.reference)),
        "aggregated_with": [
            {"reference": a.other_reference, "linked_on": a.linked_on, "reason": a.reason}
            for a in request.aggregations
        ],
        "decision_notices": [
            {
                "ico_reference": n.ico_reference,
                "decided_on": n.decided_on,
                "compliance": str(n.compliance(register.today())),
                "tribunal_appeal": str(n.appeal(register.today())),
            }
            for n in workflow.decision_notices(request)
        ],
        "due_steps": [
            {"step": item.step.command, "since": item.since, "why": item.why}
            for item in workflow.due_steps(request, register.timing())
        ],
        "fingerprint": workflow.fingerprint(request),
    }
    if requester:
        data["requester"] = {
            "contact": request.requester_contact,
            "type": request.requester_type,
            "also_asked": [
                {"reference": o.reference, "received": o.received, "status": o.status}
                for o in requests_from_requester(register, request.reference)
            ],
        }
    if os.environ.get(TOKEN_ENV):
        account = token_account(db)
        allowed = workflow.allowed_steps(request, account, register.timing())
        data["may"] = [s.command for s in allowed]
    return data


def _step_command(
    name: str, step: str, doc: str, act: Callable[..., Any], **options: Any
) -> Callable[..., None]:
    """A command taking the reference and ``options``, acting as the token's account."""
    import inspect

    def command(reference: str, db: str = REGISTER_OPTION, **values: Any) -> None:
        with open_register(db) as register:
            who = acting(register, db, step, reference)
            act(register, reference, who, **values)
            typer.echo(status_line(register, reference))

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
    lambda r, ref, who, on: r.acknowledge(ref, parse_date(on), who),
    on=_required("--on", "Date acknowledged."),
)
_step_command(
    "clarify",
    "seek clarification",
    "Ask the requester to clarify (s1(3)); the clock waits.",
    lambda r, ref, who, sought, question: r.clarify(ref, parse_date(sought), question, who),
    sought=_required("--sought", "Date clarification was sought."),
    question=_required("--question", "What needs clarifying."),
)
_step_command(
    "answer",
    "record the answer",
    "Record the requester's clarification; 20 working days start again.",
    lambda r, ref, who, answered, answer: r.answer_clarification(
        ref, parse_date(answered), answer, who
    ),
    answered=_required("--answered", "Date the answer arrived."),
    answer=_required("--answer", "The requester's clarification."),
)
_step_command(
    "fee-notice",
    "fees notice",
    "Issue a fees notice (s9); the clock stops until it is paid.",
    lambda r, ref, who, notice, amount: r.fee_notice(ref, parse_date(notice), amount, who),
    notice=_required("--notice", "Date the fees notice was issued."),
    amount=(float, _required("--amount", "The fee asked for, in pounds.")),
)
_step_command(
    "remind",
    "clarification reminder",
    "Record that the requester was reminded of the clarification still awaited.",
    lambda r, ref, who, on: r.remind_clarification(ref, parse_date(on), who),
    on=_required("--on", "Date of the reminder."),
)
_step_command(
    "close",
    "close unanswered clarification",
    "Close a request whose clarification went unanswered (after a reminder and the period).",
    lambda r, ref, who, on: r.close_clarification(ref, parse_date(on), who),
    on=_required("--on", "Date closed."),
)
_step_command(
    "lapse",
    "fee lapsed",
    "Record that the fee went unpaid three months and the request lapsed (s9(2)).",
    lambda r, ref, who: r.lapse_fee(ref, who),
)
_step_command(
    "fee-paid",
    "fee paid",
    "Record payment of the fee; the clock restarts.",
    lambda r, ref, who, paid: r.fee_paid(ref, parse_date(paid), who),
    paid=_required("--paid", "Date the fee was received."),
)


def _aggregate(
    register: Any, reference: str, who: Any, with_: list[str] | None, reason: str
) -> None:
    register.aggregate(reference, with_ or [], reason, who)
    estimate = register.cost_estimate(reference)
    typer.echo(
        f"{reference}: aggregated with {', '.join(estimate.aggregated_with)}; estimate "
        f"£{estimate.cost:,.2f} against the £{estimate.limit:,.0f} limit"
    )


_step_command(
    "aggregate",
    "aggregate (regulation 5)",
    "Aggregate requests for the s12 estimate (regulation 5); `request repeats` suggests them.",
    _aggregate,
    with_=(
        list[str] | None,
        typer.Option(None, "--with", help="A request to aggregate with (repeat)."),
    ),
    reason=_required("--reason", "Why: the same or similar information, the same person(s)."),
)


def _extend(register: Any, reference: str, who: Any, **values: Any) -> None:
    register.extend(
        reference,
        values["exemption"],
        parse_date(values["to"]),
        who,
        notified_on=parse_date(values["notified"]),
        override=values["override"],
        reason=values["why"],
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
    why=_optional("--why", "Why more time is needed (the s17(2) notice says it).", ""),
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
    fingerprint=_required(
        "--fingerprint", "The whole fingerprint of the content you reviewed (64 hex digits)."
    ),
)


def _respond(register: Any, reference: str, who: Any, on: str, attach: list[str] | None) -> None:
    files = []
    for item in attach or []:
        title, _, file = item.partition("=")
        if not file:
            raise typer.BadParameter(f"--attach {item!r}: expected TITLE=FILE")
        files.append({"title": title, "file": file})
    register.respond(reference, parse_date(on), files, who)


_step_command(
    "respond",
    "respond",
    "Record the response as issued (approved as it stands, s17 met).",
    _respond,
    on=_required("--on", "Date of the response."),
    attach=(list[str] | None, _optional("--attach", "TITLE=FILE of an attachment (repeat).")),
)


def _publish(register: Any, reference: str, who: Any, answer: str | None) -> None:
    from foidesk.web.disclosure_log import publish_answer

    typer.echo(
        publish_answer(
            register,
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
    lambda r, ref, who, on, reason: r.withdraw(ref, parse_date(on), reason, who),
    on=_required("--on", "Date withdrawn."),
    reason=_required("--reason", "How the requester withdrew it."),
)
_step_command(
    "transfer",
    "transfer",
    "Transfer the request to the authority that holds the information.",
    lambda r, ref, who, on, to: r.transfer(ref, parse_date(on), to, who),
    on=_required("--on", "Date transferred."),
    to=_required("--to", "The authority it went to."),
)


def _review(register: Any, reference: str, who: Any, requested: str, exceptional: bool) -> None:
    register.internal_review(reference, parse_date(requested), who, exceptional=exceptional)
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
    lambda r, ref, who, decided, outcome, result, changes: r.decide_review(
        ref, parse_date(decided), outcome, who, result=result, changes=changes
    ),
    decided=_required("--decided", "Date of the review's decision."),
    outcome=_required("--outcome", "What the review decided, and why."),
    result=_optional("--result", "upheld, partly upheld or overturned (its letter says).", ""),
    changes=_optional("--changes", "What the review changes in the response.", ""),
)
_step_command(
    "ico",
    "ICO complaint lodged",
    "Log a complaint to the Information Commissioner (s50).",
    lambda r, ref, who, lodged, ico_reference: r.ico_appeal(
        ref, parse_date(lodged), who, ico_reference=ico_reference
    ),
    lodged=_required("--lodged", "Date the complaint was lodged."),
    ico_reference=_optional("--ico-reference", "The ICO's case reference.", ""),
)
_step_command(
    "ico-decided",
    "ICO complaint decided",
    "Record the ICO's decision notice and the compliance period it gives.",
    lambda r, ref, who, decided, outcome, compliance_days: r.ico_decision(
        ref, parse_date(decided), outcome, who, compliance_days=compliance_days
    ),
    decided=_required("--decided", "Date of the decision notice."),
    outcome=_required("--outcome", "What the decision notice found."),
    compliance_days=(int, typer.Option(35, "--compliance-days", help="Days it gives to comply.")),
)
_step_command(
    "comply",
    "decision-notice compliance",
    "Record that the decision notice was complied with.",
    lambda r, ref, who, on: r.comply(ref, parse_date(on), who),
    on=_required("--on", "Date complied."),
)
_step_command(
    "tribunal",
    "tribunal appeal",
    "Record an appeal to the First-tier Tribunal against the decision notice.",
    lambda r, ref, who, lodged: r.tribunal_appeal(ref, parse_date(lodged), who),
    lodged=_required("--lodged", "Date the appeal was lodged."),
)
_step_command(
    "tribunal-decided",
    "tribunal decided",
    "Record the Tribunal's decision.",
    lambda r, ref, who, decided, outcome: r.tribunal_decision(
        ref, parse_date(decided), outcome, who
    ),
    decided=_required("--decided", "Date of the Tribunal's decision."),
    outcome=_required("--outcome", "What the Tribunal decided."),
)


def _correct(register: Any, reference: str, who: Any, **values: Any) -> None:
    if bool(values["received"]) == bool(values["extension"]):
        raise typer.BadParameter("give --received or --extension (one of them)")
    if values["received"]:
        register.correct_received(reference, parse_date(values["received"]), values["reason"], who)
    else:
        register.correct_extension(
            reference,
            parse_date(values["extension"]),
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
    as_json: bool = JSON_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """Show the s12 worksheet; with --activity, add a line to it first."""
    with open_register(db) as register:
        if activity:
            who = acting(register, db, "cost estimate", reference)
            register.add_cost_line(
                reference, activity, description, records, minutes, who, part_number=part
            )
        estimate = register.cost_estimate(reference)
        if as_json:
            # Money and hours as exact decimal strings, as the worksheet computes them.
            lines = ("activity", "description", "records", "minutes_per_record", "part_number")
            print_json(
                {
                    "reference": reference,
                    "lines": [{f: getattr(i, f) for f in lines} for i in estimate.items],
                    "hours": estimate.hours,
                    "cost": estimate.cost,
                    "limit": estimate.limit,
                    "exceeds_limit": estimate.exceeds_limit,
                    "aggregated_with": list(estimate.aggregated_with),
                    "s12_paragraph": estimate.s12_paragraph(),
                }
            )
            return
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

    with open_register(db) as register:
        if review is None:
            _, texts = personal_data.review_texts(register, reference, answer)
            found = personal_data.suggestions(texts, register.settings)
            if as_json:
                typer.echo(json.dumps([asdict(s) for s in found], indent=2))
            else:
                typer.echo(personal_data.review_template(reference, found), nl=False)
            return
        who = acting(register, db, "personal-data review", reference)
        recorded = personal_data.review_from_file(register, review, answer, who)
        removed = sum(1 for d in recorded.decisions if d.decision == "remove")
        typer.echo(f"{reference}: personal-data review recorded ({removed} removed)")


@request_app.command("repeats")
def request_repeats(
    reference: str,
    as_json: Annotated[bool, typer.Option("--json", help="The findings as JSON.")] = False,
    db: str = REGISTER_OPTION,
) -> None:
    """Earlier requests this one repeats (s14(2)), and whether it is a round robin.

    Also the requests it may be aggregated with for the s12 estimate (regulation 5)."""
    from dataclasses import asdict

    from foidesk.foi import repeats

    with open_register(db) as register:
        found = repeats.find(register, reference)
        candidates = repeats.aggregation_candidates(register, reference)
    if as_json:
        data = {
            **asdict(found),
            "flags": found.flags,
            "aggregation_candidates": [asdict(c) for c in candidates],
        }
        print_json(data)
        return
    for line in found.flags or [f"{reference}: no earlier request repeats it"]:
        typer.echo(line)
    for candidate in candidates:
        typer.echo(f"may aggregate (regulation 5) with {candidate.reference}: {candidate.why}")


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

    with open_register(db) as register:
        who = acting(register, db, "log")
        found, what = correspondence.import_email(register, message, who, reference=reference)
    typer.echo(f"{found}: {what}")


@request_app.command("messages")
def request_messages(
    reference: str,
    retry: Annotated[bool, typer.Option(help="Send again what failed (every request).")] = False,
    as_json: bool = JSON_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """The email thread with the requester: each message, its direction and status."""
    from foidesk.foi import correspondence

    with open_register(db) as register:
        if retry:
            for sent in correspondence.retry(register):
                typer.echo(f"{sent.message_id}\t{sent.status}\t{sent.error}".rstrip(), err=as_json)
        thread = correspondence.thread(register, reference)
        if as_json:
            fields = ("at", "direction", "kind", "status", "last_error")
            print_json([{f: getattr(m, f) for f in fields} for m in thread])
            return
        for m in thread:
            error = f"\t{m.last_error}" if m.last_error else ""
            typer.echo(f"{m.at:%Y-%m-%d %H:%M}\t{m.direction}\t{m.kind}\t{m.status}{error}")


@request_app.command("audit")
def request_audit(reference: str, as_json: bool = JSON_OPTION, db: str = REGISTER_OPTION) -> None:
    """The audit trail: who changed what, when."""
    with open_register(db) as register:
        trail = register.audit_trail(reference)
        if as_json:
            fields = ("at", "actor", "role", "action", "field", "old", "new")
            print_json([{f: getattr(entry, f) for f in fields} for entry in trail])
            return
        for entry in trail:
            change = f"{entry.field}: {entry.old!r} -> {entry.new!r}" if entry.field else ""
            who = f"{entry.actor} ({entry.role})"
            typer.echo(f"{entry.at:%Y-%m-%d %H:%M:%S}\t{who}\t{entry.action}\t{change}")


@request_app.command("import")
def request_import(
    request_file: Path,
    store: Path | None = OPTIONAL_STORE_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """Import a request file as your account; its approvals are recorded as declared."""
    from foidesk.foi.request_file import import_request_file

    with open_register(db) as register:
        who = acting(register, db, "log")
        reference = import_request_file(request_file, register, store=store, importer=who)
        typer.echo(f"{reference}: {register.status(reference)}")


@request_app.command("export")
def request_export(reference: str, out: Path, db: str = REGISTER_OPTION) -> None:
    """Write what the register holds about a request as a request file."""
    from foidesk.foi.request_file import export_request_file

    with open_register(db) as register:
        typer.echo(str(export_request_file(register, reference, out)))


def _refuse_response_without_answer(register: Any, reference: str) -> None:
    """A response lists the tables that answer its parts from the answer directory: without
    it those parts would name no table. A request no table answers needs none."""
    tabled = [p.number for p in register.get(reference).parts if p.tables]
    if tabled:
        numbers = ", ".join(map(str, tabled))
        which = f"part {numbers} is" if len(tabled) == 1 else f"parts {numbers} are"
        raise BadInput(
            f"{reference}: the response lists the answer's tables and files: give the answer "
            f"directory with --answer ({which} answered by tables)"
        )


@request_app.command("letter")
def request_letter(
    subject: Annotated[
        str,
        typer.Argument(
            metavar="REFERENCE|REQUEST_FILE",
            help="The request's reference (with KIND), or a request file (its response).",
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Argument(
            help="Kind of letter: acknowledgement, clarification, fees-notice, extension, "
            "review-outcome, transfer, response (docs/letters.md)."
        ),
    ] = None,
    *,
    out: Annotated[Path, typer.Option(help="Directory the letter's HTML and PDF go to.")],
    on: Annotated[str | None, typer.Option(help="Date of the letter (default today).")] = None,
    answer: Annotated[
        Path | None,
        typer.Option(
            help="Answer directory whose tables and files the response lists (KIND response; "
            "needed when a part is answered by tables)."
        ),
    ] = None,
    store: Path | None = OPTIONAL_STORE_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """Issue a letter of KIND (HTML and PDF), or write a request file's response letter.

    A letter of KIND is recorded in the register. Given a request file and no KIND, the
    file is imported if new (as your account) and its response letter written."""
    if answer is not None and kind != "response":
        raise BadInput("--answer is the response's: give it with KIND response")
    if kind is not None:
        from foidesk.foi import letter_kinds

        with open_register(db) as register:
            if kind == "response" and answer is None:
                _refuse_response_without_answer(register, subject)
            who = acting(register, db, "issue a letter", subject)
            letter = letter_kinds.issue(
                register, subject, kind, out, who, on=parse_date(on), options={"answer_dir": answer}
            )
        typer.echo(str(letter.html))
        typer.echo(str(letter.pdf))
        return
    from foidesk.foi.letter_kinds import KINDS
    from foidesk.foi.letters import write_response
    from foidesk.foi.request_file import load_request_file

    if not Path(subject).is_file():
        # Most often a reference whose kind was left out, rather than a file gone missing.
        raise BadInput(
            f"{subject} is not a request file: give the kind of letter to issue for a "
            f"request (kinds are {', '.join(KINDS)})"
        )
    # Importing the file is logging the request: it acts as the token's account, as
    # `request import` does; a request already in the register needs no token to be read.
    reference = load_request_file(Path(subject))["reference"]
    with open_register(db) as register:
        importer = None if register.exists(reference) else acting(register, db, "log")
    paths = write_response(Path(subject), db, out, store=store, importer=importer)
    for path in paths.values():
        typer.echo(str(path))


@request_app.command("stats")
def request_stats(
    period: str = typer.Option("month", "--period", help="month or quarter."),
    csv: Annotated[Path | None, typer.Option(help="Write the figures to this CSV file.")] = None,
    as_json: bool = JSON_OPTION,
    db: str = REGISTER_OPTION,
) -> None:
    """s45 statistics: requests answered in time, extensions and outcomes per period."""
    from foidesk.foi.timeliness import s45_statistics, write_s45_csv

    with open_register(db) as register:
        if csv:
            typer.echo(str(write_s45_csv(register, csv, period)))
        elif as_json:
            # One object per period; pandas writes missing figures (no median yet) as null.
            print_json(json.loads(s45_statistics(register, period).to_json(orient="records")))
        else:
            typer.echo(s45_statistics(register, period).to_string(index=False))


app.add_typer(request_app, name="request")
