"""The ``foidesk`` command line: a thin layer over the Python API.

Every command calls one public function of a concern's module and prints its result;
tests call those functions directly. Sections below follow the package's data flow.
"""

from __future__ import annotations

import typer

from foidesk import __version__

app = typer.Typer(
    help="foidesk: the Freedom of Information desk of a UK police force.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """foidesk: the Freedom of Information desk of a UK police force."""


@app.command()
def version() -> None:
    """Print the foidesk version."""
    typer.echo(__version__)


# --- records: synth, load, export -------------------------------------------------------

# --- stats: answer, audit ----------------------------------------------------------------


@app.command()
def answer(
    request_file: str = typer.Argument(..., help="The request file (YAML) with its tables."),
    db: str = typer.Option(..., "--db", help="The crime-record store (DuckDB file)."),
    out: str = typer.Option(..., "--out", help="Directory for the workbook, CSVs, manifest."),
) -> None:
    """Compute a request's tables and write tables.xlsx, one CSV per table and manifest.json."""
    from foidesk.publish.answer import answer as write_answer
    from foidesk.stats.specs import SpecError

    try:
        manifest = write_answer(request_file, db, out)
    except (SpecError, FileNotFoundError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{manifest['request']}: snapshot {manifest['snapshot']['id'][:12]}")
    for entry in manifest["files"]:
        typer.echo(f"  {out}/{entry['path']}  {entry['title']}  sha256 {entry['sha256'][:12]}")


# --- foi: deadline, request ... ----------------------------------------------------------

from foidesk.foi.commands import deadline, request_app  # noqa: E402

app.command("deadline")(deadline)
app.add_typer(request_app, name="request")

# --- documents: policy ..., redact ---------------------------------------------------------

# --- web: serve, user ... -----------------------------------------------------------------


@app.command()
def serve(
    db: str = typer.Option(..., "--db", help="Register and disclosure log (SQLite file or URL)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    https: bool = typer.Option(
        False, "--https", help="Served over HTTPS (e.g. behind a proxy): Secure cookies."
    ),
    answers: str | None = typer.Option(
        None, "--answers", help="Folder of answer directories, one per reference."
    ),
    requests: str | None = typer.Option(
        None, "--requests", help="Folder of request files named <reference>.yaml."
    ),
    records: str | None = typer.Option(None, "--records", help="Crime-record store (DuckDB)."),
) -> None:
    """Serve the public disclosure log and the officers' workspace."""
    from pathlib import Path

    from foidesk.web.app import serve as serve_app

    typer.echo(f"Disclosure log on http://{host}:{port}/log, workspace on /workspace")
    serve_app(
        db,
        host,
        port,
        https=https,
        answers_dir=Path(answers) if answers else None,
        requests_dir=Path(requests) if requests else None,
        records=Path(records) if records else None,
    )


user_app = typer.Typer(help="Workspace accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="The user name to sign in with."),
    role: list[str] = typer.Option(  # noqa: B008 (typer's own idiom)
        ..., "--role", help="officer, analyst, reviewer or admin; repeat for more than one."
    ),
    db: str = typer.Option(..., "--db", help="Register database (SQLite file or URL)."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Take the password from this environment variable."
    ),
    prompt: bool = typer.Option(False, "--prompt", help="Ask for the password."),
) -> None:
    """Add a user (or reset one); prints the generated password unless one is given."""
    import os

    from foidesk.db import open_session
    from foidesk.web.accounts import AccountError, add_user

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise typer.BadParameter(f"environment variable {password_env} is not set")
    elif prompt:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_session(db) as session:
        try:
            made = add_user(session, username, role, password)
        except AccountError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} ({', '.join(role)})")
    if password is None:
        typer.echo(f"password: {made}")


@user_app.command("list")
def user_list(db: str = typer.Option(..., "--db", help="Register database.")) -> None:
    """List workspace users and their roles."""
    from foidesk.db import open_session
    from foidesk.web.accounts import list_users

    with open_session(db) as session:
        for account in list_users(session):
            state = "" if account.active else " (inactive)"
            typer.echo(f"{account.username}\t{account.roles}{state}")


log_app = typer.Typer(help="The public disclosure log.", no_args_is_help=True)
app.add_typer(log_app, name="log")


@log_app.command("publish")
def log_publish(
    reference: str = typer.Argument(..., help="The approved request's reference."),
    db: str = typer.Option(..., "--db", help="Register and disclosure log database."),
    answer_dir: str | None = typer.Option(
        None, "--answer", help="Answer directory (manifest.json, letter, files)."
    ),
) -> None:
    """Publish an approved response to the disclosure log; prints its URL path."""
    from pathlib import Path

    from foidesk.web.log import PublishError, publish_answer

    try:
        typer.echo(publish_answer(db, reference, Path(answer_dir) if answer_dir else None))
    except PublishError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
