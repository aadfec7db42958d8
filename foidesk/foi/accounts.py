"""Staff accounts: argon2 password hashes, roles, sessions, throttled sign-in, CLI tokens.

Accounts live with the register, below the web layer, so that the register, the command
line and the workspace use the same accounts.

Passwords are never fixed: ``add_user`` generates one unless the caller supplies it, and
a chosen one must be at least 12 characters and not guessable (zxcvbn, offline, with the
user name as a hint). Adding a name that exists is refused: resetting a password and
reactivating an account are their own actions, each recorded with who did it.

Each user has a session generation: a session is valid only while it is the one it was
signed in with, so signing out, a password change or reset and deactivation end every
session of that user at once.

Sign-in backs off rather than locking out. Every attempt is written before the password
is checked and the failures are counted afterwards, so concurrent guesses cannot all
slip under a limit. Past ``FREE_FAILURES`` failures for one user name from one address
since its last success, or ``FREE_ADDRESS_FAILURES`` from one address for any names, each
further check waits ``BACKOFF_BASE`` seconds after the latest failure, doubling each
time up to ``BACKOFF_CAP``. Past ``GLOBAL_CHECKS_PER_MINUTE`` password checks a minute
in all, sign-in waits: the checks are costly, and the public pages share the processor.

The command line acts as an account through a token the account holder creates with
their password (``issue_token``); only its SHA-256 is stored (a random 256-bit token needs
no slow hash), and ``account_for_token`` gives the account's name and roles back. The
password is checked as a sign-in is (``authenticate``, from the address "command line"),
so guessing it through token requests meets the same back-off; and at most
``TOKENS_PER_HOUR`` tokens are issued to an account in an hour. A password change or
reset, and deactivation, revoke the account's token with its sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from foidesk.foi.models import AccountEvent, LoginAttempt, User
from foidesk.foi.register import ROLES

FREE_FAILURES = 5
FREE_ADDRESS_FAILURES = 20
BACKOFF_BASE = 30
BACKOFF_CAP = 15 * 60
GLOBAL_CHECKS_PER_MINUTE = 120
# Failures older than this are forgotten, and their rows deleted.
FAILURE_WINDOW = timedelta(hours=1)
MIN_PASSWORD_LENGTH = 12
# zxcvbn's scale: 3 is "safely unguessable: moderate protection from offline attack".
MIN_PASSWORD_SCORE = 3
MAX_PASSWORD_LENGTH = 256
# Tokens issued to one account in an hour: enough to replace a mistyped one, too few for
# a stolen password to mint tokens in bulk unnoticed.
TOKENS_PER_HOUR = 5
TOKEN_ISSUED = "command-line token issued"
TOKEN_REVOKED = "command-line token revoked"

# Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): strong, yet
# quick enough that a burst of sign-ins does not exhaust a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this when the user is unknown keeps timing the same either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A user that cannot be created or changed; the message says why."""


def _revoke_token(session: Session, user: User, why: str, by: str) -> None:
    """Forget the account's token, if it has one: it no longer acts for the account."""
    if user.token_hash is not None:
        user.token_hash = None
        user.token_created_at = None
        _record(session, user.username, f"{TOKEN_REVOKED} ({why})", by)


class TooManyAttempts(PermissionError):
    """Sign-in refused because of repeated failures; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        wait = f"{retry_after} seconds" if retry_after < 60 else f"{retry_after // 60 + 1} minutes"
        super().__init__(f"too many failed sign-ins: try again in {wait}")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in (or acting through a token), with their account's roles."""

    username: str
    roles: frozenset[str]
    generation: int = 0

    @property
    def name(self) -> str:
        """The name the register's workflow and audit trail know them by."""
        return self.username

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


def check_password(password: str, username: str = "") -> None:
    """Refuse a password that is short, overlong or guessable; the message says why."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")
    verdict = zxcvbn(password, user_inputs=[username, *username.split(".")])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        advice = verdict["feedback"].get("warning") or "it is too easy to guess"
        raise AccountError(f"choose a password that is harder to guess: {advice.rstrip('.')}")


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def _record(session: Session, username: str, action: str, by: str) -> None:
    session.add(AccountEvent(username=username, action=action, actor=by, at=_now()))


def add_user(
    session: Session,
    username: str,
    roles: Iterable[str],
    password: str | None = None,
    *,
    by: str = "command line",
) -> str:
    """Create a user; returns the password. A name already taken is refused."""
    username = username.strip()
    if not username or len(username) > 120 or any(c.isspace() for c in username):
        raise AccountError(f"user name {username!r} must be 1 to 120 characters, no spaces")
    role_set = parse_roles(roles)
    if password is None:
        password = generate_password()
    else:
        check_password(password, username)
    existing = session.scalars(select(User).where(User.username == username)).one_or_none()
    if existing is not None:
        state = "" if existing.active else " (deactivated: reactivate it instead)"
        raise AccountError(
            f"user {username!r} already exists{state}; to give it a new password, reset it"
        )
    user = User(username=username, created_at=_now(), session_generation=0)
    session.add(user)
    user.password_hash = _hasher.hash(password)
    user.roles = ",".join(r for r in ROLES if r in role_set)
    user.active = True
    _record(session, username, f"created with roles {user.roles}", by)
    session.commit()
    return password


def reset_password(
    session: Session, username: str, password: str | None = None, *, by: str = "command line"
) -> str:
    """A new password for ``username`` (generated unless given), ending their sessions."""
    user = _user(session, username)
    if password is None:
        password = generate_password()
    else:
        check_password(password, username)
    user.password_hash = _hasher.hash(password)
    user.session_generation += 1
    _record(session, username, "password reset", by)
    _revoke_token(session, user, "password reset", by)
    session.commit()
    return password


def change_password(session: Session, username: str, current: str, new: str) -> SignedIn:
    """The user's own change: the current password first; every other session ends."""
    user = _user(session, username)
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("the current password is not right") from None
    if new == current:
        raise AccountError("the new password must differ from the current one")
    check_password(new, username)
    user.password_hash = _hasher.hash(new)
    user.session_generation += 1
    _record(session, username, "password changed", username)
    _revoke_token(session, user, "password changed", username)
    session.commit()
    return SignedIn(user.username, user.role_set, user.session_generation)


def end_sessions(session: Session, username: str) -> None:
    """Sign ``username`` out everywhere."""
    user = _user(session, username)
    user.session_generation += 1
    session.commit()


def reactivate_user(session: Session, username: str, *, by: str = "command line") -> None:
    """Let a deactivated user sign in again, with the password they had."""
    user = _user(session, username)
    if user.active:
        raise AccountError(f"user {username!r} is already active")
    user.active = True
    _record(session, username, "reactivated", by)
    session.commit()


def account_events(session: Session, limit: int = 50) -> list[AccountEvent]:
    """The latest account changes, newest first."""
    return list(session.scalars(select(AccountEvent).order_by(AccountEvent.id.desc()).limit(limit)))


def deactivate_user(session: Session, username: str, *, by: str = "command line") -> None:
    """Stop a user signing in, ending their sessions; their name stays on the audit trail."""
    user = _user(session, username)
    user.active = False
    user.session_generation += 1
    _record(session, username, "deactivated", by)
    _revoke_token(session, user, "deactivated", by)
    session.commit()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def current_user(session: Session, username: str) -> SignedIn | None:
    """The active user with that name, as signed in, or None."""
    user = session.scalars(
        select(User).where(User.username == username, User.active.is_(True))
    ).one_or_none()
    return None if user is None else SignedIn(user.username, user.role_set, user.session_generation)


def _failures(session: Session, *where: object) -> tuple[int, datetime | None]:
    """Failures (and attempts still being checked) matching ``where``, and the latest."""
    count, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.succeeded.is_(False), *where
        )
    ).one()
    return int(count or 0), latest


def _wait(failures: int, free: int, latest: datetime | None, now: datetime) -> int:
    """Seconds still to wait after ``failures`` failures, the latest at ``latest``."""
    if failures < free or latest is None:
        return 0
    backoff = min(BACKOFF_BASE * 2 ** min(failures - free, 20), BACKOFF_CAP)
    return max(0, int((latest + timedelta(seconds=backoff) - now).total_seconds()) + 1)


def authenticate(session: Session, username: str, password: str, address: str) -> SignedIn | None:
    """Check a password; None if wrong. Raises ``TooManyAttempts`` when it must wait."""
    now = _now()
    username, address = username[:120], address[:64]
    # Written as a failure before anything is counted or checked, and committed: an
    # attempt running at the same time counts this one, so a burst cannot all pass.
    attempt = LoginAttempt(username=username, address=address, attempted_at=now, succeeded=False)
    session.add(attempt)
    session.commit()
    others = LoginAttempt.id != attempt.id
    window = LoginAttempt.attempted_at > now - FAILURE_WINDOW
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username,
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(True),
        )
    )
    since_success = LoginAttempt.attempted_at > last_success if last_success is not None else window
    pair = _failures(
        session,
        others,
        window,
        since_success,
        LoginAttempt.username == username,
        LoginAttempt.address == address,
    )
    by_address = _failures(session, others, window, LoginAttempt.address == address)
    checks = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(others, LoginAttempt.attempted_at > now - timedelta(minutes=1))
    )
    wait = max(
        _wait(pair[0], FREE_FAILURES, pair[1], now),
        _wait(by_address[0], FREE_ADDRESS_FAILURES, by_address[1], now),
        60 if (checks or 0) >= GLOBAL_CHECKS_PER_MINUTE else 0,
    )
    if wait:
        # A refused attempt checked nothing, so it is not counted against anyone.
        session.delete(attempt)
        session.commit()
        raise TooManyAttempts(wait)
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
    attempt.succeeded = ok
    # Old attempts have no further use once outside the window.
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - FAILURE_WINDOW))
    session.commit()
    if not ok or user is None:
        return None
    return SignedIn(user.username, user.role_set, user.session_generation)


TOKEN_PREFIX = "foidesk_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TooManyTokens(AccountError):
    """An account asked for more than ``TOKENS_PER_HOUR`` tokens in an hour."""


def issue_token(session: Session, username: str, password: str) -> str:
    """A new command-line token for the account, which proves itself with its password.

    The token is returned once; it replaces any earlier one. The password is checked as a
    sign-in (``TooManyAttempts`` after repeated failures); past ``TOKENS_PER_HOUR`` tokens
    in the last hour the account gets ``TooManyTokens``.
    """
    signed_in = authenticate(session, username, password, "command line")
    if signed_in is None:
        raise AccountError(f"no active account {username!r} with that password")
    user = _user(session, signed_in.username)
    now = _now()
    issued = session.scalars(
        select(AccountEvent.at)
        .where(
            AccountEvent.username == user.username,
            AccountEvent.action == TOKEN_ISSUED,
            AccountEvent.at > now - timedelta(hours=1),
        )
        .order_by(AccountEvent.at)
    ).all()
    if len(issued) >= TOKENS_PER_HOUR:
        wait = int((issued[0] + timedelta(hours=1) - now).total_seconds()) // 60 + 1
        raise TooManyTokens(
            f"{user.username} was issued {len(issued)} tokens in the last hour, the most "
            f"allowed: try again in {wait} minutes (the latest token still works)"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.token_hash = _token_hash(token)
    user.token_created_at = now
    _record(session, user.username, TOKEN_ISSUED, user.username)
    session.commit()
    return token


def account_for_token(session: Session, token: str) -> SignedIn:
    """The active account a token belongs to; an unknown or revoked token is an error."""
    if not token.startswith(TOKEN_PREFIX):
        raise AccountError("that is not a foidesk token (create one with `foidesk user token`)")
    user = session.scalars(
        select(User).where(User.token_hash == _token_hash(token), User.active.is_(True))
    ).one_or_none()
    if user is None:
        raise AccountError("the token belongs to no active account (create a new one)")
    return SignedIn(user.username, user.role_set)
