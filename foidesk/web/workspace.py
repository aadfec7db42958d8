"""The officers' workspace: the register, each request's handling, approval and publishing.

Every route here needs a signed-in user (the router's dependencies, so none can be
forgotten) and every POST needs the session's CSRF token. The request page offers the
forms of the steps ``workflow.allowed_steps`` gives the signed-in user, and one route takes
any step, acting in the role the workflow table asks for; the register refuses what the
table does not allow, and the page shows its reason. Analysts run the tables; admins
manage users.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from foidesk.answers.package import AnswerPackage, PackageError
from foidesk.foi import workflow
from foidesk.foi.accounts import (
    AccountError,
    SignedIn,
    account_events,
    add_user,
    change_password,
    deactivate_user,
    end_sessions,
    list_users,
    parse_roles,
    reactivate_user,
    reset_password,
)
from foidesk.foi.costs import MAX_RECORDS
from foidesk.foi.exemptions import DECISIONS, catalogue
from foidesk.foi.letters import render_letter
from foidesk.foi.register import (
    CHANNELS,
    ROLES,
    Actor,
    Register,
    RequestNotFound,
    TransitionError,
)
from foidesk.web.caseload import SHOWS, caseload, deadline_status
from foidesk.web.disclosure_log import (
    PublishError,
    clean_letter,
    publish_answer,
    published,
    published_disclosures,
)
from foidesk.web.pages import render
from foidesk.web.security import (
    CurrentUser,
    DbSession,
    NotAllowed,
    check_csrf,
    requires,
    signed_in,
    start_session,
)

# What a reference may look like before it goes near a path: letters and digits in runs
# joined by single dots, hyphens or underscores, so never "..", "/" or a leading dot.
SAFE_REFERENCE = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
MAX_PARTS = 1000


def valid_reference(request: Request) -> None:
    """Refuse a route's ``reference`` that could not be one, before any path is built."""
    reference = request.path_params.get("reference")
    if reference is not None and (len(reference) > 64 or not SAFE_REFERENCE.fullmatch(reference)):
        raise HTTPException(404)


router = APIRouter(
    prefix="/workspace",
    dependencies=[Depends(signed_in), Depends(check_csrf), Depends(valid_reference)],
)

Officer = Annotated[SignedIn, Depends(requires("officer"))]
Analyst = Annotated[SignedIn, Depends(requires("analyst"))]
Admin = Annotated[SignedIn, Depends(requires("admin"))]


def _register(request: Request) -> Register:
    state = request.app.state
    if getattr(state, "register", None) is None:
        state.register = Register(state.db, settings=state.settings, migrate=False)
    return state.register


def _flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def _back(reference: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/workspace/requests/{reference}{anchor}", status_code=303)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _answer_dir(request: Request, reference: str) -> Path | None:
    if not SAFE_REFERENCE.fullmatch(reference):
        raise HTTPException(404)
    root = request.app.state.answers_dir
    return root / reference if root is not None else None


def _request_page(
    request: Request,
    user: SignedIn,
    reference: str,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    register = _register(request)
    try:
        record = register.get(reference)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    today = register.today()
    answer_dir = _answer_dir(request, reference)
    with request.app.state.sessions() as session:
        on_log = published(session, reference) is not None
    allowed = {s.command for s in workflow.allowed_steps(record, user)}
    return render(
        request,
        "workspace/request.html",
        {
            "title": f"{reference}: {record.title}",
            "nav": "workspace",
            "user": user,
            "record": record,
            "deadline": deadline_status(register.deadline_for(record), record.status, today),
            "estimate": register.cost_estimate(reference) if record.cost_lines else None,
            "problems": register.s17_problems(reference),
            "decisions": DECISIONS,
            "exemptions": sorted(catalogue().values(), key=lambda e: e.section),
            "allowed": allowed,
            "steps": workflow.BY_COMMAND,
            "other": [(c, fields) for c, fields in STEP_FIELDS.items() if c in allowed],
            "fingerprint": workflow.fingerprint(record),
            "awaiting_reviewer": bool(record.submitted_by and not record.approved_by),
            "on_log": on_log,
            "has_answer": AnswerPackage.exists(answer_dir),
            "today": today,
            "error": error,
            "flash": request.session.pop("flash", ""),
        },
        status=status,
    )


def _act(request: Request, user: SignedIn, reference: str, action: Any, done: str) -> Response:
    """Run a register step; on refusal show the request page with the register's reason."""
    try:
        action()
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    except (TransitionError, ValueError, KeyError, PublishError) as exc:
        return _request_page(request, user, reference, error=str(exc), status=400)
    _flash(request, done)
    return _back(reference)


def _date(text: str, field: str, blank: date | None = None) -> date:
    """A form's date; a blank field means ``blank`` (e.g. today) when one is given."""
    if blank is not None and not text.strip():
        return blank
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{field}: '{text}' is not a date (use YYYY-MM-DD)") from None


# -- the register ------------------------------------------------------------------------


@router.get("")
def register_list(
    request: Request, user: CurrentUser, show: str = "all", q: str = "", page: str = "1"
) -> Response:
    """The register a page at a time, open requests first by due date, filtered."""
    return _register_page(
        request,
        user,
        show=show if show in SHOWS else "all",
        q=q[:100],
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    )


def _register_page(
    request: Request,
    user: SignedIn,
    *,
    show: str = "all",
    q: str = "",
    page: int = 1,
    error: str = "",
    status: int = 200,
) -> Response:
    register = _register(request)
    today = register.today()
    # A session of the register's own pool, held only while the rows are read.
    with Session(register.engine) as session:
        listing = caseload(session, today, show=show, q=q, page=page)

    def link(**changes: object) -> str:
        params = {"show": listing.show, "q": listing.q, "page": listing.page, **changes}
        kept = {k: v for k, v in params.items() if v not in ("", None, "all", 1)}
        return "/workspace" + ("?" + urlencode(kept) if kept else "")

    return render(
        request,
        "workspace/register.html",
        {
            "title": "Register",
            "nav": "workspace",
            "user": user,
            "listing": listing,
            "shows": SHOWS,
            "link": link,
            "today": today,
            "channels": CHANNELS,
            "error": error,
            "flash": request.session.pop("flash", ""),
        },
        status=status,
    )


@router.post("/requests")
def log_request(
    request: Request,
    user: Officer,
    reference: Annotated[str, Form()] = "",
    received: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "email",
    title: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    parts: Annotated[str, Form()] = "",
    requester_contact: Annotated[str, Form()] = "",
) -> Response:
    """Log a new request; its parts are one question a line. The contact stays private."""
    register = _register(request)
    reference = reference.strip()
    try:
        register.new_request(
            reference,
            _date(received, "date received", register.today()),
            text,
            _lines(parts) or [text.strip()],
            channel,
            requester_contact.strip(),
            Actor(user.username, "officer"),
            title=title.strip(),
            subject=subject.strip(),
        )
    except (TransitionError, ValueError) as exc:
        return _register_page(request, user, error=str(exc), status=400)
    _flash(request, f"Request {reference} logged.")
    return _back(reference)


@router.get("/requests/{reference}")
def request_page(request: Request, reference: str, user: CurrentUser) -> Response:
    return _request_page(request, user, reference)


# -- reading -----------------------------------------------------------------------------


@router.get("/requests/{reference}/letter")
def letter_preview(request: Request, reference: str, user: CurrentUser) -> Response:
    """The response letter as it stands, rendered from the register: what will be published."""
    register = _register(request)
    answer_dir = _answer_dir(request, reference)
    try:
        letter = render_letter(
            register, reference, answer_dir if answer_dir and answer_dir.is_dir() else None
        )
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    return render(
        request,
        "workspace/letter.html",
        {
            "title": f"Letter preview: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "letter": clean_letter(letter),
        },
    )


@router.get("/requests/{reference}/audit")
def audit_trail(request: Request, reference: str, user: CurrentUser) -> Response:
    register = _register(request)
    try:
        entries = register.audit_trail(reference)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    return render(
        request,
        "workspace/audit.html",
        {
            "title": f"Audit trail: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "entries": entries,
        },
    )


@dataclass(frozen=True)
class TablePreview:
    title: str
    file: str
    header: list[str]
    rows: list[list[str]]


def _tables(package: AnswerPackage) -> list[TablePreview]:
    previews = []
    for table in package.manifest.tables:
        path = package.directory / str(table.file or "")
        if not path.is_file() or path.suffix != ".csv":
            continue
        reader = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        if reader:
            previews.append(TablePreview(table.title, path.name, reader[0], reader[1:51]))
    return previews


@router.get("/requests/{reference}/tables")
def tables(request: Request, reference: str, user: CurrentUser) -> Response:
    """The request's tables with their disclosure-control result, as last computed."""
    answer_dir = _answer_dir(request, reference)
    package: AnswerPackage | None = None
    previews: list[TablePreview] = []
    error = request.session.pop("tables_error", "")
    if AnswerPackage.exists(answer_dir):
        try:
            package = AnswerPackage.read(answer_dir)
            previews = _tables(package)
        except PackageError as exc:
            error = error or str(exc)
    return render(
        request,
        "workspace/tables.html",
        {
            "title": f"Tables: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "package": package,
            "control": package.manifest.disclosure_control if package else None,
            "previews": previews,
            "can_run": _request_file(request, reference) is not None
            and request.app.state.records is not None,
            "error": error,
            "flash": request.session.pop("flash", ""),
        },
    )


def _request_file(request: Request, reference: str) -> Path | None:
    root = request.app.state.requests_dir
    if root is None:
        return None
    if not SAFE_REFERENCE.fullmatch(reference):
        raise HTTPException(404)
    path = Path(root) / f"{reference}.yaml"
    return path if path.is_file() else None


@router.post("/requests/{reference}/tables")
def run_tables(request: Request, reference: str, user: Analyst) -> Response:
    """Compute the request's tables from its request file, with disclosure control applied."""
    # Imported on use: the statistics engine loads Ibis, which slows the app's start.
    from foidesk.answers.answer import answer

    request_file = _request_file(request, reference)
    answer_dir = _answer_dir(request, reference)
    records = request.app.state.records
    if request_file is None or answer_dir is None or records is None:
        request.session["tables_error"] = (
            "This workspace has no request file, answers folder or crime records configured "
            "for this request (see foidesk serve --help)."
        )
    else:
        try:
            with request.app.state.sessions() as session:
                published = published_disclosures(session)
            answer(request_file, records, answer_dir, published=published)
            _flash(request, "Tables computed with disclosure control applied.")
        except (ValueError, LookupError, OSError) as exc:
            request.session["tables_error"] = str(exc)
    return RedirectResponse(f"/workspace/requests/{reference}/tables", status_code=303)


@router.get("/statistics")
def statistics(request: Request, user: CurrentUser, period: str = "quarter") -> Response:
    """Timeliness and outcomes per month or quarter, as the s45 Code asks them published."""
    # Imported on use: pandas is only needed on this page.
    from foidesk.foi.timeliness import PERIODS, s45_statistics

    period = period if period in PERIODS else "quarter"
    table = s45_statistics(_register(request), period)
    return render(
        request,
        "workspace/statistics.html",
        {
            "title": "Statistics",
            "nav": "workspace",
            "user": user,
            "period": period,
            "periods": list(PERIODS),
            "columns": [c for c in table.columns if c != "period"],
            "rows": table.to_dict("records"),
        },
    )


# -- the steps of the workflow -------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A form field of a step: its name, label, kind (text, textarea, date, checkbox) and hint."""

    name: str
    label: str
    kind: str = "text"
    hint: str = ""


def _today_hint(label: str, name: str) -> Field:
    return Field(name, label, "date", "YYYY-MM-DD; leave empty for today")


# The forms of the steps the request page shows in its "Other steps" section; decisions,
# clarification, costs, submission, approval and publishing have forms of their own there.
STEP_FIELDS: dict[str, tuple[Field, ...]] = {
    "acknowledge": (_today_hint("Date acknowledged", "on"),),
    "fee-notice": (
        Field("amount", "Amount (£)"),
        _today_hint("Date of the fees notice", "on"),
    ),
    "fee-paid": (_today_hint("Date paid", "on"),),
    "advise": (Field("advice", "Advice and assistance (s16)", "textarea"),),
    "extend": (
        Field("exemption", "Qualified exemption being weighed", hint="e.g. s31"),
        Field("new_due", "New date for the response", "date", "YYYY-MM-DD"),
        _today_hint("Date the requester was told", "on"),
        Field(
            "override",
            "Override reason",
            "textarea",
            "Needed for a non-working day, or more than 20 further working days",
        ),
    ),
    "respond": (_today_hint("Date of the response", "on"),),
    "withdraw": (
        _today_hint("Date withdrawn", "on"),
        Field("reason", "How the requester withdrew it", "textarea"),
    ),
    "transfer": (
        _today_hint("Date transferred", "on"),
        Field("authority", "The authority that holds the information"),
    ),
    "review": (
        _today_hint("Date the review was asked for", "on"),
        Field("exceptional", "Exceptional: 40 working days", "checkbox"),
    ),
    "review-decided": (
        _today_hint("Date of the review's decision", "on"),
        Field("outcome", "What the review decided", "textarea"),
    ),
    "ico": (
        _today_hint("Date the complaint was lodged", "on"),
        Field("ico_reference", "ICO case reference"),
    ),
    "ico-decided": (
        _today_hint("Date of the decision notice", "on"),
        Field("outcome", "What the decision notice found", "textarea"),
        Field("compliance_days", "Days it gives to comply", hint="35 unless it says otherwise"),
    ),
    "comply": (_today_hint("Date complied", "on"),),
    "tribunal": (_today_hint("Date the appeal was lodged", "on"),),
    "tribunal-decided": (
        _today_hint("Date of the Tribunal's decision", "on"),
        Field("outcome", "What the Tribunal decided", "textarea"),
    ),
    "correct": (
        Field("received", "Correct date of receipt", "date", "YYYY-MM-DD; or leave empty"),
        Field("extension", "Correct date of the extension", "date", "YYYY-MM-DD; or leave empty"),
        Field("reason", "Why the entry was wrong", "textarea"),
        Field("override", "Override reason (extension only)", "textarea"),
    ),
}

DONE = {
    "clarify": "Clarification sought: the clock waits for the answer.",
    "answer": "Clarification recorded: 20 working days start again from it.",
    "cost": "Cost line added to the estimate.",
    "submit": "Submitted to a reviewer for approval.",
    "approve": "Approved: the response can now be issued and published.",
    "publish": "Published to the disclosure log.",
}


def _form_text(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(text: str, field: str, kind: type = int) -> Any:
    try:
        return kind(text)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{field}: '{text}' is not a number") from None


def _records(text: str) -> int:
    number = _number(text, "records")
    if not 0 <= number <= MAX_RECORDS:
        raise ValueError(f"records: {number} is not between 0 and {MAX_RECORDS:,}")
    return number


def _part(text: str) -> int:
    number = _number(text, "part")
    if not 1 <= number <= MAX_PARTS:
        raise ValueError(f"part: {number} is not between 1 and {MAX_PARTS}")
    return number


def _decide(register: Register, reference: str, who: Actor, form: Any) -> Any:
    """A part's decision, with at most one exemption and its harm and public interest test."""
    exemptions = []
    if _form_text(form, "section"):
        exemptions.append(
            {
                "section": _form_text(form, "section"),
                "subsection": _form_text(form, "subsection"),
                "applies_to": _form_text(form, "applies_to"),
                "reason": _form_text(form, "reason"),
                "harm": _form_text(form, "harm"),
                "factors_for": _lines(_form_text(form, "factors_for")),
                "factors_against": _lines(_form_text(form, "factors_against")),
                "balance": _form_text(form, "balance"),
            }
        )
    return register.decide(
        reference,
        _part(_form_text(form, "part")),
        _form_text(form, "decision"),
        exemptions,
        who,
        summary=_form_text(form, "summary"),
        not_held=_form_text(form, "not_held"),
    )


def _cost(register: Register, reference: str, who: Actor, form: Any) -> Any:
    part = _form_text(form, "part")
    return register.add_cost_line(
        reference,
        _form_text(form, "activity"),
        _form_text(form, "description"),
        _records(_form_text(form, "records")),
        _number(_form_text(form, "minutes_per_record"), "minutes per record", Decimal),
        who,
        part_number=_part(part) if part else None,
    )


def _correct(register: Register, reference: str, who: Actor, form: Any) -> Any:
    received, extension = _form_text(form, "received"), _form_text(form, "extension")
    reason = _form_text(form, "reason")
    if bool(received) == bool(extension):
        raise ValueError("give the correct date of receipt or of the extension (one of them)")
    if received:
        return register.correct_received(reference, _date(received, "date of receipt"), reason, who)
    return register.correct_extension(
        reference,
        _date(extension, "date of the extension"),
        reason,
        who,
        override=_form_text(form, "override"),
    )


StepForm = Callable[[Register, str, Actor, Any], Any]


def _step_forms(today: Callable[[], date]) -> dict[str, StepForm]:
    """What each step's form does with the register; a blank date means today."""

    def on(form: Any, label: str = "date") -> date:
        return _date(_form_text(form, "on"), label, today())

    return {
        "acknowledge": lambda r, ref, who, f: r.acknowledge(ref, on(f), who),
        "clarify": lambda r, ref, who, f: r.clarify(
            ref, on(f, "date sought"), _form_text(f, "question"), who
        ),
        "answer": lambda r, ref, who, f: r.answer_clarification(
            ref, on(f, "date answered"), _form_text(f, "answer"), who
        ),
        "fee-notice": lambda r, ref, who, f: r.fee_notice(
            ref, on(f), _number(_form_text(f, "amount"), "amount", Decimal), who
        ),
        "fee-paid": lambda r, ref, who, f: r.fee_paid(ref, on(f), who),
        "cost": _cost,
        "decide": _decide,
        "advise": lambda r, ref, who, f: r.advise(ref, _form_text(f, "advice"), who),
        "extend": lambda r, ref, who, f: r.extend(
            ref,
            _form_text(f, "exemption"),
            _date(_form_text(f, "new_due"), "new date"),
            who,
            notified_on=on(f),
            override=_form_text(f, "override"),
        ),
        "submit": lambda r, ref, who, f: r.submit_for_approval(ref, who),
        "approve": lambda r, ref, who, f: r.approve(
            ref, who, fingerprint=_form_text(f, "fingerprint")
        ),
        "respond": lambda r, ref, who, f: r.respond(ref, on(f), [], who),
        "withdraw": lambda r, ref, who, f: r.withdraw(ref, on(f), _form_text(f, "reason"), who),
        "transfer": lambda r, ref, who, f: r.transfer(ref, on(f), _form_text(f, "authority"), who),
        "review": lambda r, ref, who, f: r.internal_review(
            ref, on(f), who, exceptional=bool(_form_text(f, "exceptional"))
        ),
        "review-decided": lambda r, ref, who, f: r.decide_review(
            ref, on(f), _form_text(f, "outcome"), who
        ),
        "ico": lambda r, ref, who, f: r.ico_appeal(
            ref, on(f), who, ico_reference=_form_text(f, "ico_reference")
        ),
        "ico-decided": lambda r, ref, who, f: r.ico_decision(
            ref,
            on(f),
            _form_text(f, "outcome"),
            who,
            compliance_days=_number(_form_text(f, "compliance_days") or "35", "days to comply"),
        ),
        "comply": lambda r, ref, who, f: r.comply(ref, on(f), who),
        "tribunal": lambda r, ref, who, f: r.tribunal_appeal(ref, on(f), who),
        "tribunal-decided": lambda r, ref, who, f: r.tribunal_decision(
            ref, on(f), _form_text(f, "outcome"), who
        ),
        "correct": _correct,
    }


@router.post("/requests/{reference}/{command}")
async def take_step(request: Request, reference: str, command: str, user: CurrentUser) -> Response:
    """Any step of the workflow on a request, for a user whose account holds its role."""
    try:
        step = workflow.step(command)
    except KeyError as exc:
        raise HTTPException(404) from exc
    role = workflow.role_for(step, user.roles)
    if role is None or command not in STEP_COMMANDS:
        raise NotAllowed(step.roles)
    form = await request.form()
    who = Actor(user.username, role)
    register = _register(request)
    if command == "publish":
        answer_dir = _answer_dir(request, reference)
        if not AnswerPackage.exists(answer_dir):
            answer_dir = None

        def action() -> Any:
            return publish_answer(
                request.app.state.db, reference, answer_dir, published_by=user.username
            )
    else:
        form_action = _step_forms(register.today)[command]

        def action() -> Any:
            return form_action(register, reference, who, form)

    if command == "decide":
        done = f"Decision recorded for part {_form_text(form, 'part')}."
    else:
        done = DONE.get(command, f"Recorded: {step.name}.")
    return await run_in_threadpool(_act, request, user, reference, action, done)


# Steps with their own route: logging (the register page's form) and the personal-data
# review (its own page, foidesk.web.review). This route takes every other step.
STEP_COMMANDS = frozenset(s.command for s in workflow.STEPS) - {"new", "personal-data"}


# -- accounts ----------------------------------------------------------------------------


def _users_page(
    request: Request, user: SignedIn, session: Any, status: int = 200, **context: Any
) -> Response:
    return render(
        request,
        "workspace/users.html",
        {
            "title": "Users",
            "nav": "workspace",
            "user": user,
            "users": list_users(session),
            "roles": ROLES,
            "events": account_events(session),
            **context,
        },
        status=status,
    )


@router.get("/users")
def users(request: Request, user: Admin, session: DbSession) -> Response:
    return _users_page(request, user, session)


@router.post("/users")
def create_user(
    request: Request,
    user: Admin,
    session: DbSession,
    username: Annotated[str, Form()],
    roles: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies form defaults)
) -> Response:
    """Create a user with a generated password, shown once on this page and never stored."""
    try:
        password = add_user(session, username, parse_roles(roles), by=user.username)
    except AccountError as exc:
        return _users_page(request, user, session, error=str(exc), status=400)
    return _users_page(request, user, session, created=username, new_password=password)


@router.post("/users/{username}/reset")
def reset_user_password(
    request: Request, username: str, user: Admin, session: DbSession
) -> Response:
    """A new generated password, shown once; every session of that user ends."""
    try:
        password = reset_password(session, username, by=user.username)
    except AccountError as exc:
        return _users_page(request, user, session, error=str(exc), status=400)
    return _users_page(request, user, session, created=username, new_password=password, reset=True)


@router.post("/users/{username}/deactivate")
def deactivate(request: Request, username: str, user: Admin, session: DbSession) -> Response:
    try:
        deactivate_user(session, username, by=user.username)
    except AccountError as exc:
        return _users_page(request, user, session, error=str(exc), status=400)
    return _users_page(request, user, session, flash=f"{username} can no longer sign in.")


@router.post("/users/{username}/reactivate")
def reactivate(request: Request, username: str, user: Admin, session: DbSession) -> Response:
    try:
        reactivate_user(session, username, by=user.username)
    except AccountError as exc:
        return _users_page(request, user, session, error=str(exc), status=400)
    return _users_page(request, user, session, flash=f"{username} can sign in again.")


@router.get("/password")
def password_form(request: Request, user: CurrentUser) -> Response:
    return render(
        request,
        "workspace/password.html",
        {"title": "Change your password", "nav": "workspace", "user": user},
    )


@router.post("/password")
def password_change(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Change one's own password; every other session of the user ends, this one goes on."""
    try:
        if new != confirm:
            raise AccountError("the new password and its confirmation differ")
        changed = change_password(session, user.username, current, new)
    except AccountError as exc:
        return render(
            request,
            "workspace/password.html",
            {
                "title": "Change your password",
                "nav": "workspace",
                "user": user,
                "error": str(exc).capitalize() + ".",
            },
            status=400,
        )
    start_session(request, changed)
    _flash(request, "Your password has been changed; any other sessions have ended.")
    return RedirectResponse("/workspace", status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, user: CurrentUser, session: DbSession) -> Response:
    """Sign out here and everywhere else this user is signed in."""
    end_sessions(session, user.username)
    request.session.clear()
    return RedirectResponse("/log", status_code=303)
