"""Sessions, CSRF tokens, sign-in checks and the security headers on every response.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure over HTTPS) that hold only
the user name and the CSRF synchroniser token. The signing key is generated once and kept
in the database, so every worker and restart shares it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foidesk.web.accounts import SignedIn, current_user
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
    if (
        not expected
        or not isinstance(offered, str)
        or not secrets.compare_digest(offered, expected)
    ):
        raise CsrfFailure()


def db_session(request: Request) -> Any:
    """A database session for one request, closed afterwards."""
    with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def signed_in(request: Request, session: DbSession) -> SignedIn:
    """The signed-in, still active user; otherwise the visitor must sign in."""
    name = request.session.get("user")
    user = current_user(session, name) if isinstance(name, str) else None
    if user is None:
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


def content_security_policy(nonce: str | None = None) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Pure ASGI middleware adding security headers unless a response set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", content_security_policy())
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
            await send(message)

        await self.app(scope, receive, with_headers)
