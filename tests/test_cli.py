"""The command line as a whole: how it is started, and what holds for every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from foidesk import __version__
from foidesk.cli import app
from foidesk.cli.errors import ExitCode
from foidesk.db import open_session
from foidesk.foi.accounts import add_user, issue_token


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Every command the user can run, as typed after ``foidesk``."""
    if not hasattr(command, "commands"):  # a command, not a group of them
        return [" ".join(path)]
    found = [" ".join(path)] if path and command.invoke_without_command else []
    for name, sub in command.commands.items():
        found += _command_paths(sub, (*path, name))
    return found


def test_every_command_is_documented_in_docs() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    commands = _command_paths(get_command(app))
    undocumented = [
        c for c in commands if not re.search(rf"foidesk {re.escape(c)}(?![\w-])", pages)
    ]
    assert len(commands) >= 60 and "request fee-notice" in commands
    assert undocumented == []


def test_python_dash_m_runs_the_same_command_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "foidesk", "version"], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == __version__


ROOT = Path(__file__).resolve().parents[1]
REF = "01.FOI.24.000042"
PASSWORD = "a long enough passphrase"


@pytest.fixture
def desk(tmp_path: Path) -> dict[str, str]:
    """A register with an officer and an analyst, and each one's token."""
    db = str(tmp_path / "register.sqlite")
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], PASSWORD)
        add_user(session, "ann", ["analyst"], PASSWORD)
        tokens = {name: issue_token(session, name, PASSWORD) for name in ("olly", "ann")}
    return {"db": db, "dir": str(tmp_path), **tokens}


# Commands that change the register, each run with no token: every one is refused alike.
NEEDS_A_TOKEN = [
    ["request", "new", REF, "--received", "2024-06-03", "--text", "Dogs?"],
    ["request", "acknowledge", REF, "--on", "2024-06-04"],
    ["request", "cost", REF, "--activity", "locate", "--records", "3", "--minutes", "5"],
    ["request", "import", "request.yaml"],
    ["request", "import-email", "message.eml"],
    ["request", "personal-data", REF, "--review", "review.yaml"],
]


@pytest.mark.parametrize("args", NEEDS_A_TOKEN, ids=lambda a: " ".join(a[:2]))
def test_every_command_refuses_alike_without_a_token(desk: dict[str, str], args: list) -> None:
    if args[1] == "cost" or args[1] == "personal-data":
        # These commands first need the request to exist.
        logged = CliRunner().invoke(
            app,
            [
                "request",
                "new",
                REF,
                "--received",
                "2024-06-03",
                "--text",
                "Dogs?",
                "--db",
                desk["db"],
            ],
            env={"FOIDESK_TOKEN": desk["olly"]},
        )
        assert logged.exit_code == 0, logged.output
    result = CliRunner().invoke(app, [*args, "--db", desk["db"]], env={"FOIDESK_TOKEN": ""})
    assert result.exit_code == ExitCode.REFUSED, result.output
    assert "error: set FOIDESK_TOKEN to your account's token" in result.output


def test_a_role_refusal_and_a_workflow_refusal_share_the_code(desk: dict[str, str]) -> None:
    runner = CliRunner()
    new = ["request", "new", REF, "--received", "2024-06-03", "--text", "Dogs?", "--db", desk["db"]]
    analyst = runner.invoke(app, new, env={"FOIDESK_TOKEN": desk["ann"]})
    assert analyst.exit_code == ExitCode.REFUSED, analyst.output
    assert "ann may not 'log': it needs officer" in analyst.output
    assert runner.invoke(app, new, env={"FOIDESK_TOKEN": desk["olly"]}).exit_code == 0
    submit = ["request", "submit", REF, "--db", desk["db"]]
    early = runner.invoke(app, submit, env={"FOIDESK_TOKEN": desk["olly"]})
    assert early.exit_code == ExitCode.REFUSED, early.output
    assert "cannot happen now" in early.output


def _bad_input(desk: dict[str, str]) -> list[tuple[list[str], str]]:
    """Commands of every concern given something that does not exist or cannot be used."""
    missing_store = str(Path(desk["dir"]) / "missing.duckdb")
    out = str(Path(desk["dir"]) / "out")
    register = ["--db", desk["db"]]
    return [
        (["request", "show", "NOPE", *register], "no request 'NOPE'"),
        (["request", "audit", "NOPE", *register], "no request 'NOPE'"),
        (["policy", "history", "nope", *register], "not registered"),
        (["summary", "--db", missing_store], "missing.duckdb"),
        (["snapshots", "--db", missing_store], "missing.duckdb"),
        (["export", "--out", out, "--db", missing_store], "missing.duckdb"),
        (["answer", "nope.yaml", "--db", missing_store, "--out", out], "nope.yaml"),
        (["audit", desk["dir"]], "audit"),
        (["schema", "tabel"], "did you mean table?"),
        (["inspect", "notes.txt"], "can inspect .xlsx and .docx files only"),
        (["deadline", "2024-06-31"], "is not a date"),
    ]


def test_bad_input_has_one_code_across_commands(desk: dict[str, str]) -> None:
    runner = CliRunner()
    with open_session(desk["db"]):
        pass
    for args, says in _bad_input(desk):
        result = runner.invoke(app, args, env={"FOIDESK_TOKEN": desk["olly"]})
        assert result.exit_code == ExitCode.BAD_INPUT, (args, result.output)
        assert says in result.output, (args, result.output)
        assert "Traceback" not in result.output
