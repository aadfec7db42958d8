"""Commands over documents: the policy registry, redaction, suggestions, hidden content."""

from __future__ import annotations

from typing import Annotated

import typer

from foidesk.cli.errors import BadInput, ExitCode
from foidesk.cli.options import REGISTER_OPTION, parse_date
from foidesk.cli.output import JSON_OPTION, print_json
from foidesk.cli.progress import progress_bar
from foidesk.cli.root import app

policy_app = typer.Typer(help="The policy registry: versions and the version-control document.")
app.add_typer(policy_app, name="policy")


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
    from pathlib import Path

    from foidesk.documents.registry import add_policy_version

    when = parse_date(effective)
    record = add_policy_version(
        db, name, number, when, owner, amendments, Path(file) if file else None, title
    )
    typer.echo(f"{record.policy} {record.number} effective {record.effective}")


@policy_app.command("list")
def policy_list(as_json: bool = JSON_OPTION, db: str = REGISTER_OPTION) -> None:
    """List registered policies with their current version."""
    from foidesk.documents.registry import list_policies

    policies = list_policies(db)
    if as_json:
        print_json(
            [
                {
                    "name": p.name,
                    "title": p.title,
                    "versions": p.versions,
                    "current": p.latest,
                    "current_effective": p.latest_effective,
                }
                for p in policies
            ]
        )
        return
    for policy in policies:
        typer.echo(
            f"{policy.name}\t{policy.title}\t{policy.versions} versions\t"
            f"current {policy.latest} ({policy.latest_effective})"
        )


@policy_app.command("history")
def policy_history_command(
    name: str = typer.Argument(...), as_json: bool = JSON_OPTION, db: str = REGISTER_OPTION
) -> None:
    """Every version of a policy, oldest first."""
    from foidesk.documents.registry import policy_history

    history = policy_history(db, name)
    if as_json:
        print_json(
            [
                {
                    "number": v.number,
                    "effective": v.effective,
                    "owner_role": v.owner_role,
                    "amendments": v.amendments,
                }
                for v in history
            ]
        )
        return
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
    from foidesk.documents.versioncontrol import write_version_control

    written = write_version_control(db, name, out)
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

    from foidesk.documents.redaction import redact
    from foidesk.documents.rules import pair_rules
    from foidesk.documents.suggestions import rules_from_review

    rules = rules_from_review(Path(review)) if review else []
    given = [phrase or [], regex or [], pages or [], paragraphs or [], area or []]
    if any(given) or not rules:
        rules += pair_rules(*given, label or [], reason or [])
    log_json = Path(log) if log else None
    with progress_bar("Redacting") as progress:
        result = redact(
            Path(source),
            Path(out),
            rules,
            log_json=log_json,
            log_csv=log_json.with_suffix(".csv") if log_json else None,
            progress=progress,
        )
    typer.echo(
        f"{result.output}: {len(result.entries)} redactions, verified by "
        f"{' and '.join(result.checked_by)}; log {result.log_json}"
    )
    # A misspelt phrase removes nothing, and what it missed still verifies as redacted.
    matched = {entry.rule for entry in result.entries}
    for rule in rules:
        if rule.kind in ("phrase", "regex") and rule.describe() not in matched:
            typer.echo(f"warning: {rule.describe()} matched nothing in the document", err=True)


@app.command("suggest")
def suggest_command(
    source: str = typer.Argument(..., help="The PDF, DOCX or text file to read."),
    names: str = typer.Option(None, "--names", help="File of names to look for, one a line."),
    review: str = typer.Option(None, "--review", help="Write the reviewer's CSV here."),
) -> None:
    """Suggest redactions for a reviewer; nothing is changed."""
    from pathlib import Path

    from foidesk.documents.suggestions import read_names, suggest, write_review

    found = suggest(Path(source), read_names(Path(names)) if names else [])
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
        raise BadInput(f"{path}: can inspect .xlsx and .docx files only")
    findings = readers[path.suffix.lower()](path, forbidden or [])
    for finding in findings:
        found = f" [{finding.forbidden}]" if finding.forbidden else ""
        typer.echo(f"{finding.part}\t{finding.where}\t{finding.kind}\t{finding.detail}{found}")
    typer.echo(f"{len(findings)} findings in {path}")
    if findings:
        raise typer.Exit(ExitCode.CHECK_FAILED)
