"""The ``user`` commands: workspace accounts and the tokens the command line acts with."""

from __future__ import annotations

import typer

from foidesk.cli.errors import Refused
from foidesk.cli.options import REGISTER_OPTION
from foidesk.cli.output import JSON_OPTION, print_json
from foidesk.cli.root import app

user_app = typer.Typer(help="Workspace accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="The user name to sign in with."),
    role: list[str] = typer.Option(  # noqa: B008 (typer's own idiom)
        ..., "--role", help="officer, analyst, reviewer or admin; repeat for more than one."
    ),
    db: str = REGISTER_OPTION,
    password_env: str | None = typer.Option(
        None, "--password-env", help="Take the password from this environment variable."
    ),
    prompt: bool = typer.Option(False, "--prompt", help="Ask for the password."),
) -> None:
    """Add a user (a name in use is refused); prints the generated password unless given."""
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import add_user

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise typer.BadParameter(f"environment variable {password_env} is not set")
    elif prompt:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_session(db) as session:
        made = add_user(session, username, role, password)
    typer.echo(f"user {username} ({', '.join(role)})")
    if password is None:
        typer.echo(f"password: {made}")


@user_app.command("token")
def user_token(
    username: str = typer.Argument(..., help="Your user name."),
    db: str = REGISTER_OPTION,
    password_env: str | None = typer.Option(
        None, "--password-env", help="Take your password from this environment variable."
    ),
) -> None:
    """Create a token for your account (replacing any earlier one); put it in $FOIDESK_TOKEN.

    Register-changing commands act as the token's account, with only its roles.
    """
    import os

    from foidesk.db import open_session
    from foidesk.foi.accounts import AccountError, TooManyAttempts, issue_token

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise typer.BadParameter(f"environment variable {password_env} is not set")
    else:
        password = typer.prompt("Password", hide_input=True)
    with open_session(db) as session:
        try:
            token = issue_token(session, username, password)
        except (AccountError, TooManyAttempts) as exc:
            raise Refused(str(exc)) from None
    typer.echo(token)


@user_app.command("deactivate")
def user_deactivate(
    username: str = typer.Argument(..., help="The user who may no longer sign in."),
    db: str = REGISTER_OPTION,
) -> None:
    """Stop a user signing in, at once; their name stays on the audit trail."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import deactivate_user

    with open_session(db) as session:
        deactivate_user(session, username)
    typer.echo(f"user {username} deactivated")


@user_app.command("reset")
def user_reset(
    username: str = typer.Argument(..., help="The user whose password is replaced."),
    db: str = REGISTER_OPTION,
) -> None:
    """Give a user a new generated password (printed once); their sessions end at once."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import reset_password

    with open_session(db) as session:
        password = reset_password(session, username)
    typer.echo(f"user {username}: password reset")
    typer.echo(f"password: {password}")


@user_app.command("reactivate")
def user_reactivate(
    username: str = typer.Argument(..., help="The deactivated user who may sign in again."),
    db: str = REGISTER_OPTION,
) -> None:
    """Let a deactivated user sign in again, with the password they had."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import reactivate_user

    with open_session(db) as session:
        reactivate_user(session, username)
    typer.echo(f"user {username} reactivated")


@user_app.command("list")
def user_list(as_json: bool = JSON_OPTION, db: str = REGISTER_OPTION) -> None:
    """List workspace users and their roles."""
    from foidesk.db import open_session
    from foidesk.foi.accounts import list_users

    with open_session(db) as session:
        accounts = list_users(session)
        if as_json:
            print_json(
                [
                    {"username": a.username, "roles": sorted(a.role_set), "active": a.active}
                    for a in accounts
                ]
            )
            return
        for account in accounts:
            state = "" if account.active else " (inactive)"
            typer.echo(f"{account.username}\t{account.roles}{state}")
