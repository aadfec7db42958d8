"""The request commands, driven as an officer and a reviewer would from a shell."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from foidesk.cli import app

REF = "01.FOI.24.000042"


def test_a_request_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "register.sqlite")

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.output

    # Received Mon 3 Jun 2024: due Mon 1 Jul.
    out = run(
        "request", "new", REF, "--received", "2024-06-03", "--text", "Stalking figures.",
        "--part", "Stalking per year.", "--part", "Your stalking policy.",
        "--contact", "someone@example.org", "--actor", "olly",
    )  # fmt: skip
    assert out.strip() == f"{REF}: received, due 2024-07-01"
    out = run(
        "request", "clarify", REF, "--sought", "2024-06-04", "--question", "Which years?",
        "--actor", "olly",
    )  # fmt: skip
    assert "awaiting clarification" in out
    # Clarified Mon 10 Jun: a new 20 working days, to Mon 8 Jul.
    out = run(
        "request", "clarify", REF, "--answered", "2024-06-10", "--answer", "2020 on.",
        "--actor", "olly",
    )  # fmt: skip
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
    run("request", "decide", REF, "1", "disclosed", "--actor", "olly")
    run(
        "request", "decide", REF, "2", "partly disclosed", "--exemptions", str(exemptions),
        "--actor", "olly",
    )  # fmt: skip
    run("request", "submit", REF, "--actor", "olly")
    refused = runner.invoke(app, ["request", "approve", REF, "--actor", "olly", "--db", db])
    assert refused.exit_code == 2
    assert "only a reviewer can approve" in refused.output
    run("request", "approve", REF, "--actor", "rita", "--role", "reviewer")
    out = run(
        "request",
        "respond",
        REF,
        "--on",
        "2024-07-05",
        "--attach",
        "Table=t.csv",
        "--actor",
        "olly",
    )
    assert out.strip() == f"{REF}: responded"
    listing = run("request", "list", "--status", "responded")
    assert listing.startswith(f"{REF}\t2024-06-03\tresponded\tdue 2024-07-08")
    shown = run("request", "show", REF, "--explain")
    assert "  Day 1 is Tue 2024-06-11; day 20 is Mon 2024-07-08." in shown
    assert "part 2: partly disclosed s31(1)(a)" in shown
    assert "someone@example.org" not in shown
    trail = run("request", "audit", REF)
    assert "rita (reviewer)\tapproved" in trail
    stats = run("request", "stats", "--csv", str(tmp_path / "s45.csv"))
    # Received in June and answered in time: June's row says 1 received, 1 answered, 0 still
    # open, 1 within 20 working days.
    row = (tmp_path / "s45.csv").read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith("2024-06,1,1,0,1,")
    assert stats.strip().endswith("s45.csv")
    # Review asked for Mon 8 Jul 2024: 12 Jul (NI) and 5 Aug (Scotland) are skipped, so day
    # 20 is Wed 7 Aug.
    out = run("request", "review", REF, "--requested", "2024-07-08", "--actor", "olly")
    assert out.strip() == f"{REF}: review due 2024-08-07"
    run(
        "request", "review", REF, "--decided", "2024-07-30", "--outcome", "Upheld.",
        "--actor", "ravi", "--role", "reviewer",
    )  # fmt: skip
    out = run("request", "ico", REF, "--lodged", "2024-08-12", "--actor", "olly")
    assert out.strip() == f"{REF}: at ICO"
    exported = tmp_path / "export.yaml"
    run("request", "export", REF, str(exported))
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert data["clarification"]["answer"] == "2020 on."
    assert data["decisions"][1]["exemptions"][0]["public_interest"]["for"] == ["Transparency."]


def test_fees_and_extensions_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "register.sqlite")

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.output

    run("request", "new", REF, "--received", "2024-06-03", "--text", "Figures.", "--actor", "o")
    out = run("request", "fee", REF, "--notice", "2024-06-13", "--amount", "40", "--actor", "o")
    assert out.strip() == f"{REF}: awaiting fee, due when the fee is paid"
    # Paid Tue 18 Jun: 13, 14, 17 and 18 June do not count, so Mon 1 Jul becomes Fri 5 Jul.
    out = run("request", "fee", REF, "--paid", "2024-06-18", "--actor", "o")
    assert out.strip() == f"{REF}: in progress, due 2024-07-05"
    out = run(
        "request", "extend", REF, "--exemption", "s31", "--to", "2024-08-16",
        "--notified", "2024-07-01", "--actor", "o",
    )  # fmt: skip
    # Mon 8 Jul to Fri 16 Aug counts 28 working days (12 Jul and 5 Aug are skipped).
    assert out.splitlines()[0] == f"{REF}: due 2024-08-16"
    assert "adds 28 working days" in out
