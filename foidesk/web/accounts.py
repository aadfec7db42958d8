"""Workspace accounts: argon2 password hashes, roles and throttled sign-in.

Passwords are never fixed: ``add_user`` generates one unless the caller supplies it.
Sign-in is refused for 15 minutes after 5 failures for the same user name from the same
address, whether or not the password offered then would have been right.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from foidesk.foi.register import ROLES
from foidesk.web.models import LoginAttempt, User

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12

# Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): strong, yet
# quick enough that a burst of sign-ins does not exhaust a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this when the user is unknown keeps timing the same either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A user that cannot be created or changed; the message says why."""


class TooManyAttempts(PermissionError):
    """Sign-in refused because of repeated failures; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after // 60 + 1} minutes")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, as the workspace sees them."""

    username: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_roles(roles: Iterable[str]) -> frozenset[str]:
    """Roles named one by one or comma-separated, each checked against ``ROLES``."""
    named = frozenset(r.strip() for text in roles for r in text.split(",") if r.strip())
    unknown = sorted(named - set(ROLES))
    if unknown:
        raise AccountError(f"unknown role {', '.join(unknown)}: roles are {', '.join(ROLES)}")
    if not named:
        raise AccountError(f"give at least one role: {', '.join(ROLES)}")
    return named


def generate_password() -> str:
    """A random password of about 120 bits, safe to print once."""
    return secrets.token_urlsafe(15)


def add_user(
    session: Session, username: str, roles: Iterable[str], password: str | None = None
) -> str:
    """Create a user (or reset an existing one's roles and password); returns the password."""
    username = username.strip()
    if not username or len(username) > 120 or any(c.isspace() for c in username):
        raise AccountError(f"user name {username!r} must be 1 to 120 characters, no spaces")
    role_set = parse_roles(roles)
    if password is None:
        password = generate_password()
    elif len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        user = User(username=username, created_at=_now())
        session.add(user)
    user.password_hash = _hasher.hash(password)
    user.roles = ",".join(r for r in ROLES if r in role_set)
    user.active = True
    session.commit()
    return password


def deactivate_user(session: Session, username: str) -> None:
    """Stop a user signing in; their name stays on the audit trail."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise AccountError(f"no user {username!r}")
    user.active = False
    session.commit()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def current_user(session: Session, username: str) -> SignedIn | None:
    """The active user with that name, as signed in, or None."""
    user = session.scalars(
        select(User).where(User.username == username, User.active.is_(True))
    ).one_or_none()
    return None if user is None else SignedIn(user.username, user.role_set)


def authenticate(session: Session, username: str, password: str, address: str) -> SignedIn | None:
    """Check a password; None if wrong. Raises ``TooManyAttempts`` when throttled."""
    now = _now()
    since = now - FAILURE_WINDOW
    failures = session.scalars(
        select(LoginAttempt.attempted_at)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > since,
        )
        .order_by(LoginAttempt.attempted_at)
    ).all()
    if len(failures) >= MAX_FAILURES:
        oldest_counted = failures[-MAX_FAILURES]
        raise TooManyAttempts(int((oldest_counted + FAILURE_WINDOW - now).total_seconds()) + 1)
    user = session.scalars(
        select(User).where(User.username == username, User.active.is_(True))
    ).one_or_none()
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.add(
        LoginAttempt(username=username[:120], address=address[:64], attempted_at=now, succeeded=ok)
    )
    # Old attempts have no further use once outside the window.
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < now - 4 * FAILURE_WINDOW)
    )
    session.commit()
    return SignedIn(user.username, user.role_set) if ok and user is not None else None


def failures_since(session: Session, username: str, address: str) -> int:
    """Failed sign-ins for this user name and address inside the current window."""
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.username == username,
                LoginAttempt.address == address,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > _now() - FAILURE_WINDOW,
            )
        )
        or 0
    )
