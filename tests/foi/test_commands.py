"""The request commands, driven as an officer and a reviewer would from a shell.

Each person acts through their own account's token ($FOIDESK_TOKEN), with only its roles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_desk import CliDesk

from foidesk.cli import app
from foidesk.cli.errors import ExitCode
from foidesk.foi import workflow

REF = "01.FOI.24.000042"


@pytest.fixture
def desk(tmp_path: Path) -> CliDesk:
    desk = CliDesk(tmp_path)
    desk.account("olly", "officer")
    desk.account("rita", "reviewer")
    desk.account("ravi", "reviewer")
    return desk


def test_a_request_through_the_cli(desk: CliDesk, tmp_path: Path) -> None:
    run = desk.run
    # Received Mon 3 Jun 2024: due Mon 1 Jul.
    out = run(
        "olly", "request", "new", REF, "--received", "2024-06-03", "--text", "Stalking figures.",
        "--part", "Stalking per year.", "--part", "Your stalking policy.",
        "--contact", "someone@example.org",
    )  # fmt: skip
    assert out.strip() == f"{REF}: received, due 2024-07-01"
    out = run(
        "olly", "request", "clarify", REF, "--sought", "2024-06-04", "--question", "Which years?"
    )
    assert out.strip() == f"{REF}: awaiting clarification, clock stopped"
    # Clarified Mon 10 Jun: a new 20 working days, to Mon 8 Jul.
    out = run("olly", "request", "answer", REF, "--answered", "2024-06-10", "--answer", "2020 on.")
    assert out.strip() == f"{REF}: in progress, due 2024-07-08"
    exemptions = tmp_path / "s31.yaml"
    exemptions.write_text(
        yaml.safe_dump(
            [
                {
                    "section": "s31",
                    "subsection": "(1)(a)",
                    "harm": "Tactics would be exposed.",
                    "public_interest": {
                        "for": ["Transparency."],
                        "against": ["Offenders adapt."],
                        "balance": "Withhold the tactics.",
                    },
                }
            ]
        ),
        encoding="utf-8",
    )
    run("olly", "request", "decide", REF, "--part", "1", "--decision", "disclosed")
    run(
        "olly", "request", "decide", REF, "--part", "2", "--decision", "partly disclosed",
        "--exemptions", str(exemptions),
    )  # fmt: skip
    run("olly", "request", "submit", REF)
    shown = run("rita", "request", "show", REF)
    fingerprint = shown.split("fingerprint: ")[1].split()[0]
    assert "rita may: approve\n" in shown
    refused = desk.refused("olly", "request", "approve", REF, "--fingerprint", fingerprint)
    assert "olly holds the role officer: 'approve' needs reviewer" in refused
    run("rita", "request", "approve", REF, "--fingerprint", fingerprint)
    out = run("olly", "request", "respond", REF, "--on", "2024-07-05", "--attach", "Table=t.csv")
    assert out.strip() == f"{REF}: responded, due 2024-07-08"
    listing = run(None, "request", "list", "--status", "responded")
    assert listing.startswith(f"{REF}\t2024-06-03\tresponded\tdue 2024-07-08")
    shown = run(None, "request", "show", REF, "--explain")
    assert "  Day 1 is Tue 2024-06-11; day 20 is Mon 2024-07-08." in shown
    assert "part 2: partly disclosed s31(1)(a)" in shown
    assert "someone@example.org" not in shown
    trail = run(None, "request", "audit", REF)
    assert "rita (reviewer)\tapproved" in trail
    stats = run(None, "request", "stats", "--csv", str(tmp_path / "s45.csv"))
    # Received in June and answered in time: June's row says 1 received, 1 answered, 0 still
    # open, 1 within 20 working days.
    row = (tmp_path / "s45.csv").read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith("2024-06,1,1,0,1,")
    assert stats.strip().endswith("s45.csv")
    # Review asked for Mon 8 Jul 2024: 12 Jul (NI) and 5 Aug (Scotland) are skipped, so day
    # 20 is Wed 7 Aug.
    out = run("olly", "request", "review", REF, "--requested", "2024-07-08")
    assert out.splitlines()[0] == f"{REF}: review due 2024-08-07"
    refused = desk.refused(
        "olly", "request", "review-decided", REF, "--decided", "2024-07-30", "--outcome", "Upheld."
    )
    assert "'internal review decided' needs reviewer" in refused
    run("ravi", "request", "review-decided", REF, "--decided", "2024-07-30", "--outcome", "Upheld.")
    out = run("olly", "request", "ico", REF, "--lodged", "2024-08-12")
    assert out.strip() == f"{REF}: at ICO, due 2024-07-08"
    exported = tmp_path / "export.yaml"
    run(None, "request", "export", REF, str(exported))
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert data["clarification"]["answer"] == "2020 on."
    assert data["decisions"][1]["exemptions"][0]["public_interest"]["for"] == ["Transparency."]


def test_roles_come_from_the_account_never_from_the_command_line(desk: CliDesk) -> None:
    # A name typed in is nobody: the old --actor/--role options no longer exist.
    typed = desk.invoke(
        None, "request", "new", REF, "--received", "2024-06-03", "--text", "T.",
        "--actor", "olly2", "--role", "reviewer",
    )  # fmt: skip
    assert typed.exit_code != 0
    no_token = desk.refused(None, "request", "new", REF, "--received", "2024-06-03", "--text", "T")
    assert "set FOIDESK_TOKEN" in no_token
    forged = desk.refused(
        "foidesk_not-a-real-token", "request", "new", REF, "--received", "2024-06-03", "--text", "T"
    )
    assert "belongs to no active account" in forged
    # A reviewer's account cannot log a request, whatever it claims.
    refused = desk.refused("rita", "request", "new", REF, "--received", "2024-06-03", "--text", "T")
    assert "rita may not 'log': it needs officer" in refused
    # A deactivated account's token stops working at once.
    desk.run(None, "user", "deactivate", "olly")
    gone = desk.refused("olly", "request", "new", REF, "--received", "2024-06-03", "--text", "T")
    assert "belongs to no active account" in gone
    # The token is stored hashed: the database does not hold it.
    with open(desk.db, "rb") as raw:
        assert desk.tokens["rita"].encode() not in raw.read()


def test_a_wrong_password_gets_no_token(desk: CliDesk) -> None:
    result = desk.runner.invoke(
        app,
        ["user", "token", "olly", "--db", desk.db, "--password-env", "PW"],
        env={"PW": "not the password"},
    )
    assert result.exit_code == ExitCode.REFUSED
    assert "no active account 'olly' with that password" in result.output


def test_every_step_of_the_workflow_is_a_command() -> None:
    import typer.main

    group = typer.main.get_group(app)
    commands = set(group.commands["request"].commands)
    assert {s.command for s in workflow.STEPS} <= commands


def test_fees_and_extensions_through_the_cli(desk: CliDesk) -> None:
    run = desk.run
    run("olly", "request", "new", REF, "--received", "2024-06-03", "--text", "Figures.")
    out = run("olly", "request", "fee-notice", REF, "--notice", "2024-06-13", "--amount", "40")
    assert out.strip() == f"{REF}: awaiting fee, clock stopped"
    # Paid Tue 18 Jun: 13, 14, 17 and 18 June do not count, so Mon 1 Jul becomes Fri 5 Jul.
    out = run("olly", "request", "fee-paid", REF, "--paid", "2024-06-18")
    assert out.strip() == f"{REF}: in progress, due 2024-07-05"
    # Mon 8 Jul to Fri 16 Aug counts 28 working days (12 Jul and 5 Aug are skipped): beyond
    # a reasonable 20, so it needs an override with its reason.
    refused = desk.refused(
        "olly", "request", "extend", REF, "--exemption", "s31", "--to", "2024-08-16",
        "--notified", "2024-07-01",
    )  # fmt: skip
    assert "28 working days after the statutory due date 2024-07-05" in refused
    out = run(
        "olly", "request", "extend", REF, "--exemption", "s31", "--to", "2024-08-16",
        "--notified", "2024-07-01", "--override", "Third-party consultation abroad.",
    )  # fmt: skip
    assert out.splitlines()[-1] == f"{REF}: in progress, due 2024-08-16"
    assert "adds 28 working days" in out
    # Entered wrongly: the extension was to 16 July. A correction says why.
    out = run("olly", "request", "correct", REF, "--extension", "2024-07-16", "--reason", "Typo.")
    assert out.strip() == f"{REF}: in progress, due 2024-07-16"
    trail = run(None, "request", "audit", REF)
    assert "corrected\textension due: '2024-08-16' -> '2024-07-16'" in trail
