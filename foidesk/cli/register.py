"""Opening the register for a command, and acting as the account whose token is given.

Register-changing commands act as the account in $FOIDESK_TOKEN, with only its roles; the
workflow's refusal is the command's error.
"""

from __future__ import annotations

from typing import Any

from foidesk.cli.errors import Refused

TOKEN_ENV = "FOIDESK_TOKEN"


def open_register(db: str) -> Any:
    """The register at ``db``, to use in a ``with`` block (its errors are the command's)."""
    from foidesk.foi.register import Register

    return Register(db)


def token_account(db: str) -> Any:
    """The account whose token is in $FOIDESK_TOKEN: who acts, with only their roles."""
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, account_for_token

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise Refused(
            f"set {TOKEN_ENV} to your account's token (create one with `foidesk user token`)"
        )
    with open_session(db) as session:
        try:
            return account_for_token(session, token)
        except AccountError as error:
            raise Refused(str(error)) from None


def acting(register: Any, db: str, step: str, reference: str | None = None) -> Any:
    """The token's account as the actor of ``step``, refused with the workflow's reason."""
    from foidesk.foi import workflow
    from foidesk.foi.register import Actor

    account = token_account(db)
    if reference is not None:
        why = workflow.refusal(
            register.get(reference), step, account.name, account.roles, register.timing()
        )
    else:
        role = workflow.role_for(step, account.roles)
        why = (
            None
            if role
            else f"{account.name} may not '{step}': it needs "
            + " or ".join(workflow.step(step).roles)
        )
    if why:
        raise Refused(why)
    return Actor(account.name, workflow.role_for(step, account.roles))


def status_line(register: Any, reference: str) -> str:
    request = register.get(reference)
    due = register.deadline_for(request).due
    return f"{reference}: {request.status}, " + (f"due {due}" if due else "clock stopped")
