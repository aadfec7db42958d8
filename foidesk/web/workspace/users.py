"""User administration for admins: create, reset, deactivate and reactivate accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from foidesk.foi.accounts import (
    AccountError,
    SignedIn,
    account_events,
    add_user,
    deactivate_user,
    list_users,
    parse_roles,
    reactivate_user,
    reset_password,
)
from foidesk.foi.register import ROLES
from foidesk.web.pages import render
from foidesk.web.security import DbSession
from foidesk.web.workspace.access import Admin, router


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
