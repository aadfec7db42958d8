"""Sessions, CSRF tokens, sign-in checks and the database sessions routes use.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure over HTTPS, ending with the
browser) that hold the user name, the user's session generation at sign-in, when they
signed in, and the CSRF synchroniser token. The server accepts a session only while the
user's generation is unchanged and for ``SESSION_MAX_AGE`` after sign-in: signing out or
changing a password moves the generation on, which ends every session of that user at
once. The signing key is generated once and kept in the database, so every worker and
restart shares it.

Public pages read the database through their own connection pool (``PublicDb``); the
workspace's sign-in check borrows a connection only for its one query.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from foidesk.foi.accounts import SignedIn, current_user
from foidesk.web.models import Setting

SESSION_COOKIE = "foidesk_session"
SESSION_MAX_AGE = 8 * 60 * 60
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No signed-in user: the app sends the visitor to the sign-in page."""


class NotAllowed(Exception):
    """Signed in, but without a role this action needs."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        super().__init__(f"this needs the role {' or '.join(roles)}")
        self.roles = roles


class CsrfFailure(Exception):
    """A state-changing request without the session's CSRF token."""


def session_secret(session: Session) -> str:
    """The key that signs session cookies, created on first use."""
    setting = session.get(Setting, "session_secret")
    if setting is None:
        setting = Setting(name="session_secret", value=secrets.token_urlsafe(48))
        session.add(setting)
        session.commit()
    return setting.value


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created (and the session started) on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form lacks the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf", "")
    form = await request.form()
    offered = form.get(CSRF_FIELD, "")
    if not isinstance(offered, str) or not offered.isascii():
        # No token the app issues has anything but ASCII in it: a malformed form.
        raise HTTPException(400, "The form was not sent correctly. Reload the page and try again.")
    if not expected or not isinstance(expected, str):
        raise CsrfFailure()
    if not secrets.compare_digest(offered.encode(), expected.encode()):
        raise CsrfFailure()


def db_session(request: Request) -> Any:
    """A workspace database session for one request, closed afterwards."""
    with request.app.state.desk.sessions() as session:
        yield session


def public_db_session(request: Request) -> Any:
    """A database session from the public pages' own pool, closed afterwards."""
    with request.app.state.desk.public_sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
PublicDb = Annotated[Session, Depends(public_db_session)]


def start_session(request: Request, user: SignedIn) -> None:
    """A fresh session for ``user``: nothing planted before sign-in survives it."""
    request.session.clear()
    request.session["user"] = user.username
    request.session["generation"] = user.generation
    request.session["since"] = int(time.time())


def signed_in(request: Request) -> SignedIn:
    """The signed-in, still active user, in a session not yet ended; else sign in.

    The connection is returned to the pool before the route runs: a route that takes
    its time does not keep one for the check as well.
    """
    name = request.session.get("user")
    generation = request.session.get("generation")
    since = request.session.get("since")
    if (
        not isinstance(name, str)
        or not isinstance(generation, int)
        or not isinstance(since, int)
        or not 0 <= time.time() - since < SESSION_MAX_AGE
    ):
        raise SignInRequired()
    with request.app.state.desk.sessions() as session:
        user = current_user(session, name)
    if user is None or user.generation != generation:
        request.session.clear()
        raise SignInRequired()
    return user


CurrentUser = Annotated[SignedIn, Depends(signed_in)]


def requires(*roles: str) -> Callable[..., SignedIn]:
    """A dependency allowing only users holding one of ``roles``."""

    def check(user: CurrentUser) -> SignedIn:
        if not user.has(*roles):
            raise NotAllowed(roles)
        return user

    return check


def sign_in_url(request: Request) -> str:
    """The sign-in page, returning afterwards to where the visitor was going (GETs only)."""
    if request.method == "GET":
        return "/login?next=" + quote(request.url.path, safe="/")
    return "/login"


def safe_next(target: str | None) -> str:
    """Only a local workspace path may be returned to after sign-in."""
    if target and target.startswith("/workspace") and "//" not in target and "\\" not in target:
        return target
    return "/workspace"
