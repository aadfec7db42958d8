"""Command-line tokens: revoked with the password, issued a few an hour, guessed no faster
than a sign-in; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from foidesk.db import open_session
from foidesk.foi.accounts import (
    FREE_FAILURES,
    TOKENS_PER_HOUR,
    AccountError,
    TooManyAttempts,
    TooManyTokens,
    account_events,
    account_for_token,
    add_user,
    change_password,
    deactivate_user,
    issue_token,
    reactivate_user,
    reset_password,
)

PASSWORD = "a long enough passphrase"


@pytest.fixture
def session(register_db: str):  # type: ignore[no-untyped-def]
    with open_session(register_db) as s:
        add_user(s, "olly", ["officer"], PASSWORD)
        yield s


def test_changing_the_password_revokes_the_token(session) -> None:  # type: ignore[no-untyped-def]
    token = issue_token(session, "olly", PASSWORD)
    assert account_for_token(session, token).name == "olly"
    change_password(session, "olly", PASSWORD, "another long passphrase")
    with pytest.raises(AccountError, match="belongs to no active account"):
        account_for_token(session, token)
    # The new password makes a new token, which works.
    fresh = issue_token(session, "olly", "another long passphrase")
    assert account_for_token(session, fresh).roles == frozenset({"officer"})


def test_a_reset_or_deactivation_revokes_the_token(session) -> None:  # type: ignore[no-untyped-def]
    token = issue_token(session, "olly", PASSWORD)
    reset_password(session, "olly", "a reset long passphrase", by="ada")
    with pytest.raises(AccountError, match="belongs to no active account"):
        account_for_token(session, token)
    token = issue_token(session, "olly", "a reset long passphrase")
    deactivate_user(session, "olly", by="ada")
    reactivate_user(session, "olly", by="ada")
    # Reactivation gives the account back, not the token it had.
    with pytest.raises(AccountError, match="belongs to no active account"):
        account_for_token(session, token)
    revoked = [e.action for e in account_events(session) if "token revoked" in e.action]
    assert revoked == [
        "command-line token revoked (deactivated)",
        "command-line token revoked (password reset)",
    ]


def test_at_most_a_few_tokens_an_hour(session) -> None:  # type: ignore[no-untyped-def]
    tokens = [issue_token(session, "olly", PASSWORD) for _ in range(TOKENS_PER_HOUR)]
    with pytest.raises(TooManyTokens, match=f"issued {TOKENS_PER_HOUR} tokens in the last hour"):
        issue_token(session, "olly", PASSWORD)
    # The latest token still acts for the account; the earlier ones were replaced.
    assert account_for_token(session, tokens[-1]).name == "olly"
    with pytest.raises(AccountError):
        account_for_token(session, tokens[0])


def test_guessing_the_password_through_tokens_backs_off(session) -> None:  # type: ignore[no-untyped-def]
    for _ in range(FREE_FAILURES):
        with pytest.raises(AccountError, match="no active account 'olly' with that password"):
            issue_token(session, "olly", "wrong guess")
    with pytest.raises(TooManyAttempts):
        issue_token(session, "olly", PASSWORD)
