"""Opening the register for a command, and acting as the account whose token is given.

Register-changing commands act as the account in $FOIDESK_TOKEN, with only its roles; the
workflow's refusal is the command's error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from foidesk.cli.options import fail

TOKEN_ENV = "FOIDESK_TOKEN"


@contextmanager
def open_register(db: str) -> Iterator[Any]:
    from foidesk.foi.register import Register, RequestNotFound, TransitionError
    from foidesk.foi.request_file import RequestFileError

    try:
        with Register(db) as register:
            yield register
    except (TransitionError, RequestNotFound, RequestFileError, ValueError, KeyError) as error:
        raise fail(str(error)) from None


def token_account(db: str) -> Any:
    """The account whose token is in $FOIDESK_TOKEN: who acts, with only their roles."""
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, account_for_token

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise fail(
            f"set {TOKEN_ENV} to your account's token (create one with `foidesk user token`)"
        )
    with open_session(db) as session:
        try:
            return account_for_token(session, token)
        except AccountError as error:
            raise fail(str(error)) from None


def acting(register: Any, db: str, step: str, reference: str | None = None) -> Any:
    """The token's account as the actor of ``step``, refused with the workflow's reason."""
    from foidesk.foi import workflow
    from foidesk.foi.register import Actor

    account = token_account(db)
    if reference is not None:
        why = workflow.refusal(register.get(reference), step, account.name, account.roles)
    else:
        role = workflow.role_for(step, account.roles)
        why = (
            None
            if role
            else f"{account.name} may not '{step}': it needs "
            + " or ".join(workflow.step(step).roles)
        )
    if why:
        raise fail(why)
    return Actor(account.name, workflow.role_for(step, account.roles))


def status_line(register: Any, reference: str) -> str:
    request = register.get(reference)
    due = register.deadline_for(request).due
    return f"{reference}: {request.status}, due {due or 'clock stopped'}"
