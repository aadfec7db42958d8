"""The public pages: the disclosure log, each published response, its files, and sign-in.

These routes never read the register and never start a session, except the sign-in page,
which needs one for its CSRF token (a cookie that ends with the browser). They read the
log through their own connection pool. Nothing about a requester is stored in the log.
"""

from __future__ import annotations

from base64 import b64encode
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.foi.accounts import TooManyAttempts, authenticate
from foidesk.web.disclosure_log import published, published_file
from foidesk.web.pages import render
from foidesk.web.search import PER_PAGE, LogQuery, search_log
from foidesk.web.security import DbSession, PublicDb, check_csrf, safe_next, start_session

router = APIRouter(tags=["public"])


def _number(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and low <= number <= high else None


@router.get("/")
@router.get("/log")
def log_index(
    request: Request,
    session: PublicDb,
    q: str = "",
    year: str | None = None,
    month: str | None = None,
    subject: str | None = None,
    page: str | None = None,
) -> Response:
    """Browse by year, month and subject, or search the log's text."""
    query = LogQuery(
        q=q[:200],
        year=_number(year, 1990, 2100),
        month=_number(month, 1, 12),
        subject=subject or None,
        page=_number(page, 1, 100_000) or 1,
        per_page=PER_PAGE,
    )
    results = search_log(session, query)

    def link(**changes: object) -> str:
        params = {"q": query.q, "year": query.year, "month": query.month, "subject": query.subject}
        params.update(changes)
        kept = {k: v for k, v in params.items() if v not in (None, "")}
        return "/log" + ("?" + urlencode(kept) if kept else "")

    return render(
        request,
        "log.html",
        {"title": "Disclosure log", "results": results, "query": query, "link": link},
    )


@router.get("/log/{reference}")
def response_page(request: Request, reference: str, session: PublicDb) -> Response:
    """One published response, like a page of a force's disclosure log."""
    response = published(session, reference)
    if response is None:
        raise HTTPException(404)
    return render(request, "response.html", {"title": response.title, "response": response})


@router.get("/log/{reference}/files/{filename}")
def response_file(reference: str, filename: str, session: PublicDb) -> Response:
    """A published attachment, downloaded with its own name; nothing else is reachable."""
    attachment = published_file(session, reference, filename)
    if attachment is None:
        raise HTTPException(404)
    return Response(
        attachment.content,
        media_type=attachment.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{attachment.filename}"',
            "Repr-Digest": f"sha-256=:{b64encode(bytes.fromhex(attachment.sha256)).decode()}:",
        },
    )


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html", {"title": "Accessibility statement"})


@router.get("/cookies")
def cookies(request: Request) -> Response:
    return render(request, "cookies.html", {"title": "Cookies"})


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"title": "Sign in", "next": safe_next(next)})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/workspace",
) -> Response:
    """Check the password (rate-limited); on success start a fresh session."""
    address = request.client.host if request.client else "unknown"
    context = {"title": "Sign in", "next": safe_next(next), "username": username}
    try:
        user = authenticate(session, username.strip(), password, address)
    except TooManyAttempts as exc:
        page = render(request, "login.html", {**context, "error": str(exc).capitalize()}, 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if user is None:
        return render(
            request,
            "login.html",
            {**context, "error": "The user name or password is not right"},
            401,
        )
    # A new session on sign-in, so a token planted before it is worthless.
    start_session(request, user)
    return RedirectResponse(safe_next(next), status_code=303)
