"""One's own account: changing one's password, and signing out everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.foi.accounts import AccountError, change_password, end_sessions
from foidesk.web.pages import render
from foidesk.web.security import CurrentUser, DbSession, start_session
from foidesk.web.workspace.access import router
from foidesk.web.workspace.forms import flash


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
    flash(request, "Your password has been changed; any other sessions have ended.")
    return RedirectResponse("/workspace", status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, user: CurrentUser, session: DbSession) -> Response:
    """Sign out here and everywhere else this user is signed in."""
    end_sessions(session, user.username)
    request.session.clear()
    return RedirectResponse("/log", status_code=303)
