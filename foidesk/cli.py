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

from foidesk.records import commands as records_commands  # noqa: E402

for _name in ("synth", "load", "export", "snapshots", "summary"):
    app.command(_name)(getattr(records_commands, _name))

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
        manifest = write_answer(request_file, db, out, progress=True)
    except (SpecError, FileNotFoundError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{manifest['request']}: snapshot {manifest['snapshot']['id'][:12]}")
    for entry in manifest["files"]:
        typer.echo(f"  {out}/{entry['path']}  {entry['title']}  sha256 {entry['sha256'][:12]}")


@app.command("audit")
def audit_command(
    directory: str = typer.Argument(..., help="An answer directory written by `answer`."),
    whole_numbers: bool = typer.Option(
        False, "--whole-numbers", help="Also use that counts are whole numbers (slower)."
    ),
) -> None:
    """Re-audit an answer's \\[c] cells; exit 1 if an attacker could narrow any of them."""
    from foidesk.stats.audit import audit_answer

    try:
        result = audit_answer(directory, whole_numbers=whole_numbers)
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for interval in result.intervals:
        high = "no limit" if interval.high is None else interval.high
        verdict = f"EXPOSED: {interval.reason}" if interval.exposed else "protected"
        typer.echo(f"{interval.cell}: {interval.low} to {high}  {verdict}")
    exposed = len(result.exposed)
    typer.echo(
        f"{len(result.intervals)} suppressed cells, {exposed} exposed: "
        + ("pass" if result.passed else f"FAIL ({result.status})")
    )
    if not result.passed:
        raise typer.Exit(1)


# --- foi: deadline, request ... ----------------------------------------------------------

from foidesk.foi.commands import deadline, request_app  # noqa: E402

app.command("deadline")(deadline)
app.add_typer(request_app, name="request")

# --- documents: policy ..., redact ---------------------------------------------------------

from typing import Annotated  # noqa: E402

policy_app = typer.Typer(help="The policy registry: versions and the version-control document.")
app.add_typer(policy_app, name="policy")
REGISTER_OPTION = typer.Option(
    "register.sqlite", "--db", envvar="FOIDESK_DB", help="The register database (file or URL)."
)


@policy_app.command("add")
def policy_add(
    name: str = typer.Argument(..., help="The policy's short name, e.g. domestic-abuse."),
    number: str = typer.Option(..., "--number", help="Version number, e.g. 12.1."),
    effective: str = typer.Option(..., "--effective", help="Effective date, YYYY-MM-DD."),
    owner: str = typer.Option(..., "--owner", help="The owner's role."),
    amendments: str = typer.Option(None, "--amendments", help="Summary of amendments."),
    file: str = typer.Option(None, "--file", help="The policy file as issued."),
    title: str = typer.Option(None, "--title", help="The policy's title (needed the first time)."),
    db: str = REGISTER_OPTION,
) -> None:
    """Register a version of a policy."""
    from datetime import date
    from pathlib import Path

    from foidesk.documents.registry import PolicyError, add_policy_version

    try:
        when = date.fromisoformat(effective)
        record = add_policy_version(
            db, name, number, when, owner, amendments, Path(file) if file else None, title
        )
    except (PolicyError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{record.policy} {record.number} effective {record.effective}")


@policy_app.command("list")
def policy_list(db: str = REGISTER_OPTION) -> None:
    """List registered policies with their current version."""
    from foidesk.documents.registry import list_policies

    for policy in list_policies(db):
        typer.echo(
            f"{policy.name}\t{policy.title}\t{policy.versions} versions\t"
            f"current {policy.latest} ({policy.latest_effective})"
        )


@policy_app.command("history")
def policy_history_command(name: str = typer.Argument(...), db: str = REGISTER_OPTION) -> None:
    """Every version of a policy, oldest first."""
    from foidesk.documents.registry import PolicyError, policy_history

    try:
        history = policy_history(db, name)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for version in history:
        typer.echo(
            f"{version.number}\t{version.effective}\t{version.owner_role}\t"
            f"{version.amendments or '(amendments not recorded)'}"
        )


@policy_app.command("version-control")
def policy_version_control(
    name: str = typer.Argument(...),
    out: str = typer.Option(..., "--out", help="Directory for the PDF and HTML."),
    db: str = REGISTER_OPTION,
) -> None:
    """Write a policy's version-control document (PDF and HTML)."""
    from foidesk.documents.registry import PolicyError
    from foidesk.documents.versioncontrol import write_version_control

    try:
        written = write_version_control(db, name, out)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written.values():
        typer.echo(str(path))


@app.command("redact")
def redact_command(
    source: str = typer.Argument(..., help="The PDF or DOCX to redact."),
    out: str = typer.Option(..., "--out", help="The redacted file to write."),
    phrase: Annotated[
        list[str] | None, typer.Option("--phrase", help="Text to remove (repeatable).")
    ] = None,
    regex: Annotated[
        list[str] | None, typer.Option("--regex", help="Regular expression (repeatable).")
    ] = None,
    pages: Annotated[
        list[str] | None, typer.Option("--pages", help="PDF page range, e.g. 2-3,5.")
    ] = None,
    paragraphs: Annotated[
        list[str] | None, typer.Option("--paragraphs", help="DOCX paragraph range.")
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="PDF area PAGE:x0,y0,x1,y1 in points.")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", help="Exemption label, e.g. s31(1)(a).")
    ] = None,
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help="Reason recorded in the log.")
    ] = None,
    review: str = typer.Option(None, "--review", help="Reviewed suggestions CSV to apply."),
    log: str = typer.Option(None, "--log", help="Where to write the JSON log (CSV beside it)."),
) -> None:
    """Redact a PDF or DOCX and prove the result; exits non-zero if anything survives."""
    from pathlib import Path

    from rich.progress import Progress

    from foidesk.documents.redaction import RedactionFailed, redact
    from foidesk.documents.rules import RuleError, pair_rules
    from foidesk.documents.suggestions import rules_from_review

    try:
        rules = rules_from_review(Path(review)) if review else []
        given = [phrase or [], regex or [], pages or [], paragraphs or [], area or []]
        if any(given) or not rules:
            rules += pair_rules(*given, label or [], reason or [])
        log_json = Path(log) if log else None
        with Progress(transient=True) as bar:
            task = bar.add_task("redacting", total=None)

            def report(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            result = redact(
                Path(source),
                Path(out),
                rules,
                log_json=log_json,
                log_csv=log_json.with_suffix(".csv") if log_json else None,
                progress=report,
            )
    except RedactionFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except (RuleError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{result.output}: {len(result.entries)} redactions, verified by "
        f"{' and '.join(result.checked_by)}; log {result.log_json}"
    )


@app.command("suggest")
def suggest_command(
    source: str = typer.Argument(..., help="The PDF, DOCX or text file to read."),
    names: str = typer.Option(None, "--names", help="File of names to look for, one a line."),
    review: str = typer.Option(None, "--review", help="Write the reviewer's CSV here."),
) -> None:
    """Suggest redactions for a reviewer; nothing is changed."""
    from pathlib import Path

    from foidesk.documents.rules import RuleError
    from foidesk.documents.suggestions import read_names, suggest, write_review

    try:
        found = suggest(Path(source), read_names(Path(names)) if names else [])
    except (RuleError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for item in found:
        typer.echo(f"{item.where}\t{item.kind}\t{item.text}")
    if review:
        typer.echo(f"review sheet: {write_review(found, Path(review))}")


@app.command("inspect")
def inspect_command(
    source: str = typer.Argument(..., help="The XLSX or DOCX file to read part by part."),
    forbidden: Annotated[
        list[str] | None, typer.Option("--forbidden", help="A string that must not be there.")
    ] = None,
) -> None:
    """Report hidden content in a workbook or Word file; exits 1 if anything is found."""
    from pathlib import Path

    from foidesk.documents.hidden_content import inspect_docx, inspect_workbook

    path = Path(source)
    readers = {".xlsx": inspect_workbook, ".docx": inspect_docx}
    if path.suffix.lower() not in readers:
        typer.echo(f"error: {path}: can inspect .xlsx and .docx files only", err=True)
        raise typer.Exit(2)
    try:
        findings = readers[path.suffix.lower()](path, forbidden or [])
    except (ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for finding in findings:
        found = f" [{finding.forbidden}]" if finding.forbidden else ""
        typer.echo(f"{finding.part}\t{finding.where}\t{finding.kind}\t{finding.detail}{found}")
    typer.echo(f"{len(findings)} findings in {path}")
    if findings:
        raise typer.Exit(1)


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


@user_app.command("deactivate")
def user_deactivate(
    username: str = typer.Argument(..., help="The user who may no longer sign in."),
    db: str = typer.Option(..., "--db", help="Register database."),
) -> None:
    """Stop a user signing in, at once; their name stays on the audit trail."""
    from foidesk.db import open_session
    from foidesk.web.accounts import AccountError, deactivate_user

    with open_session(db) as session:
        try:
            deactivate_user(session, username)
        except AccountError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} deactivated")


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
