"""The register page: every request a page at a time, open ones first by due date, and
the form that logs a new request."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from foidesk.foi.accounts import SignedIn
from foidesk.foi.register import CHANNELS, REQUESTER_TYPES, Actor, TransitionError
from foidesk.web.caseload import SHOWS, caseload
from foidesk.web.pages import render
from foidesk.web.security import CurrentUser
from foidesk.web.workspace.access import Officer, register_of, router
from foidesk.web.workspace.forms import flash, form_date, lines
from foidesk.web.workspace.request_page import back


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
    register = register_of(request)
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
            "requester_types": REQUESTER_TYPES,
            "due": register.due(),
            "notices": register.decision_notices_to_comply(),
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
    requester_type: Annotated[str, Form()] = "",
) -> Response:
    """Log a new request; its parts are one question a line. The contact stays private."""
    register = register_of(request)
    reference = reference.strip()
    try:
        register.new_request(
            reference,
            form_date(received, "date received", register.today()),
            text,
            lines(parts) or [text.strip()],
            channel,
            requester_contact.strip(),
            Actor(user.username, "officer"),
            title=title.strip(),
            subject=subject.strip(),
            requester_type=requester_type.strip(),
        )
    except (TransitionError, ValueError) as exc:
        return _register_page(request, user, error=str(exc), status=400)
    flash(request, f"Request {reference} logged.")
    return back(reference)
