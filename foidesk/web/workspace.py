"""The officers' workspace: the register, each request's handling, approval and publishing.

Every route here needs a signed-in user (the router's dependencies, so none can be
forgotten) and every POST needs the session's CSRF token. Each action then needs a role:
officers record clarifications, decisions, exemptions and costs and publish; analysts
run the tables; reviewers approve; admins manage users. The register itself enforces the
order of steps and refuses approval by the officer who submitted.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

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
from foidesk.publish.package import AnswerPackage, PackageError
from foidesk.web.caseload import SHOWS, caseload, deadline_status
from foidesk.web.log import (
    PUBLISHABLE_STATUSES,
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
Reviewer = Annotated[SignedIn, Depends(requires("reviewer"))]
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
    request: Request, user: SignedIn, reference: str, *, error: str = "", status: int = 200
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
            "publishable": record.status in PUBLISHABLE_STATUSES,
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


@router.post("/requests/{reference}/clarification")
def seek_clarification(
    request: Request,
    reference: str,
    user: Officer,
    question: Annotated[str, Form()] = "",
    sought_on: Annotated[str, Form()] = "",
) -> Response:
    register = _register(request)
    return _act(
        request,
        user,
        reference,
        lambda: register.clarify(
            reference,
            _date(sought_on, "date sought", register.today()),
            question,
            Actor(user.username, "officer"),
        ),
        "Clarification sought: the clock waits for the answer.",
    )


@router.post("/requests/{reference}/clarification-answer")
def answer_clarification(
    request: Request,
    reference: str,
    user: Officer,
    answer: Annotated[str, Form()] = "",
    answered_on: Annotated[str, Form()] = "",
) -> Response:
    register = _register(request)
    return _act(
        request,
        user,
        reference,
        lambda: register.answer_clarification(
            reference,
            _date(answered_on, "date answered", register.today()),
            answer,
            Actor(user.username, "officer"),
        ),
        "Clarification recorded: 20 working days start again from it.",
    )


@router.post("/requests/{reference}/decisions")
def record_decision(
    request: Request,
    reference: str,
    user: Officer,
    part: Annotated[int, Form(ge=1, le=MAX_PARTS)],
    decision: Annotated[str, Form()],
    summary: Annotated[str, Form()] = "",
    section: Annotated[str, Form()] = "",
    subsection: Annotated[str, Form()] = "",
    applies_to: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    harm: Annotated[str, Form()] = "",
    factors_for: Annotated[str, Form()] = "",
    factors_against: Annotated[str, Form()] = "",
    balance: Annotated[str, Form()] = "",
) -> Response:
    """A part's decision, with at most one exemption and its harm and public interest test."""
    exemptions = []
    if section.strip():
        exemptions.append(
            {
                "section": section.strip(),
                "subsection": subsection.strip(),
                "applies_to": applies_to.strip(),
                "reason": reason,
                "harm": harm,
                "factors_for": _lines(factors_for),
                "factors_against": _lines(factors_against),
                "balance": balance,
            }
        )
    register = _register(request)
    return _act(
        request,
        user,
        reference,
        lambda: register.decide(
            reference, part, decision, exemptions, Actor(user.username, "officer"), summary=summary
        ),
        f"Decision recorded for part {part}.",
    )


@router.post("/requests/{reference}/costs")
def add_cost_line(
    request: Request,
    reference: str,
    user: Officer,
    activity: Annotated[str, Form()],
    description: Annotated[str, Form()],
    records: Annotated[int, Form(ge=0, le=MAX_RECORDS)],
    minutes_per_record: Annotated[str, Form()],
    part: Annotated[str, Form()] = "",
) -> Response:
    register = _register(request)

    def add() -> Any:
        try:
            minutes = Decimal(minutes_per_record)
        except InvalidOperation:
            raise ValueError(
                f"minutes per record: '{minutes_per_record}' is not a number"
            ) from None
        return register.add_cost_line(
            reference,
            activity,
            description,
            records,
            minutes,
            Actor(user.username, "officer"),
            part_number=int(part) if part.strip() else None,
        )

    return _act(request, user, reference, add, "Cost line added to the estimate.")


@router.post("/requests/{reference}/submit")
def submit(request: Request, reference: str, user: Officer) -> Response:
    register = _register(request)
    return _act(
        request,
        user,
        reference,
        lambda: register.submit_for_approval(reference, Actor(user.username, "officer")),
        "Submitted to a reviewer for approval.",
    )


@router.post("/requests/{reference}/approve")
def approve(request: Request, reference: str, user: Reviewer) -> Response:
    register = _register(request)
    return _act(
        request,
        user,
        reference,
        lambda: register.approve(reference, Actor(user.username, "reviewer")),
        "Approved: the response can now be issued and published.",
    )


@router.post("/requests/{reference}/publish")
def publish(request: Request, reference: str, user: Officer) -> Response:
    """Issue the approved response (if not yet issued) and publish it to the log."""
    answer_dir = _answer_dir(request, reference)
    if not AnswerPackage.exists(answer_dir):
        answer_dir = None
    return _act(
        request,
        user,
        reference,
        lambda: publish_answer(
            request.app.state.db,
            reference,
            answer_dir,
            published_by=user.username,
            settings=request.app.state.settings,
        ),
        "Published to the disclosure log.",
    )


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
    from foidesk.publish.answer import answer

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
