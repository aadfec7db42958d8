"""The command line as a whole: how it is started, and what holds for every command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from foidesk import __version__
from foidesk.answers.package import AUDIT_FILE
from foidesk.cli import app
from foidesk.cli.errors import ExitCode
from foidesk.cli.options import REGISTER_ENV, REGISTER_HELP, STORE_ENV, STORE_HELP
from foidesk.db import open_session, upgrade
from foidesk.foi.accounts import add_user, issue_token
from foidesk.records.summary import DA_COLUMN


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Every command the user can run, as typed after ``foidesk``, with the command."""
    if not hasattr(command, "commands"):  # a command, not a group of them
        return [(" ".join(path), command)]
    found = [(" ".join(path), command)] if path and command.invoke_without_command else []
    for name, sub in command.commands.items():
        found += _commands(sub, (*path, name))
    return found


def _command_paths(command: Any) -> list[str]:
    return [path for path, _ in _commands(command)]


def test_every_command_is_documented_in_docs() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    commands = _command_paths(get_command(app))
    undocumented = [
        c for c in commands if not re.search(rf"foidesk {re.escape(c)}(?![\w-])", pages)
    ]
    assert len(commands) >= 60 and "request fee-notice" in commands
    assert undocumented == []


def test_each_command_is_listed_on_one_line() -> None:
    # A group's --help lists each command by its help's first paragraph, keeping its line
    # breaks: a summary wrapped in the docstring would print broken in the list.
    wrapped = [
        path
        for path, command in _commands(get_command(app))
        if "\n" in (command.help or "").split("\n\n")[0].strip()
    ]
    assert len(_commands(get_command(app))) >= 60
    assert wrapped == []


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
    upgrade(db)
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


def test_a_response_letter_imports_its_file_only_as_the_token_account(
    desk: dict[str, str], tmp_path: Path
) -> None:
    # `request letter FILE` imports a file not yet in the register, as `request import` does:
    # as the token's account, never as the file's own officer with no token at all.
    councillor = ROOT / "tests" / "web" / "data" / "councillor_ncnd.yaml"
    letter = ["request", "letter", str(councillor), "--out", str(tmp_path / "letter")]
    runner = CliRunner()
    anonymous = runner.invoke(app, [*letter, "--db", desk["db"]], env={"FOIDESK_TOKEN": ""})
    assert anonymous.exit_code == ExitCode.REFUSED, anonymous.output
    assert "error: set FOIDESK_TOKEN to your account's token" in anonymous.output
    listed = runner.invoke(app, ["request", "list", "--json", "--db", desk["db"]])
    assert json.loads(listed.output) == []
    written = runner.invoke(app, [*letter, "--db", desk["db"]], env={"FOIDESK_TOKEN": desk["olly"]})
    assert written.exit_code == 0, written.output
    trail = runner.invoke(
        app, ["request", "audit", "01.FOI.24.000777", "--json", "--db", desk["db"]]
    )
    assert {entry["actor"] for entry in json.loads(trail.output)} == {"olly"}
    # Once imported, the letter is written again from the register, with no token.
    again = runner.invoke(app, [*letter, "--db", desk["db"]], env={"FOIDESK_TOKEN": ""})
    assert again.exit_code == 0, again.output
    assert (tmp_path / "letter" / "response.pdf").exists()


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
    policy = ["--number", "1.0", "--effective", "2024-01-02", "--owner", "Head", "--title", "Dogs"]
    return [
        (["request", "show", "NOPE", *register], "no request 'NOPE'"),
        (["request", "audit", "NOPE", *register], "no request 'NOPE'"),
        (["policy", "history", "nope", *register], "not registered"),
        (["summary", "--store", missing_store], "missing.duckdb"),
        (["snapshots", "--store", missing_store], "missing.duckdb"),
        (["export", "--out", out, "--store", missing_store], "missing.duckdb"),
        (["answer", "nope.yaml", "--store", missing_store, "--out", out], "nope.yaml"),
        (["audit", desk["dir"]], AUDIT_FILE),
        (["schema", "tabel"], "did you mean table?"),
        (["schema", "requests.yaml"], "kinds are request, mapping, table, settings, review"),
        (["inspect", "notes.txt"], "can inspect .xlsx and .docx files only"),
        (["deadline", "2024-06-31"], "is not a date"),
        # A file that is not there: its name, then why, not Python's "[Errno 2] ...".
        (
            ["policy", "add", "dogs", *policy, "--file", "gone.pdf", *register],
            "error: gone.pdf: No such file or directory",
        ),  # fmt: skip
        # A part the request does not have is bad input, not a step the workflow refuses.
        (
            ["request", "decide", REF, "--part", "3", "--decision", "disclosed", *register],
            f"{REF} has no part 3 (parts: 1, 2)",
        ),
        (
            [
                "request",
                "cost",
                REF,
                "--part",
                "3",
                "--activity",
                "locate",
                "--records",
                "3",
                "--minutes",
                "5",
                *register,
            ],
            f"{REF} has no part 3 (parts: 1, 2)",
        ),  # fmt: skip
    ]


def test_bad_input_has_one_code_across_commands(desk: dict[str, str]) -> None:
    runner = CliRunner()
    logged = runner.invoke(
        app,
        ["request", "new", REF, "--received", "2024-06-03", "--text", "Dogs? Cats?",
         "--part", "Dogs", "--part", "Cats", "--db", desk["db"]],
        env={"FOIDESK_TOKEN": desk["olly"]},
    )  # fmt: skip
    assert logged.exit_code == 0, logged.output
    for args, says in _bad_input(desk):
        result = runner.invoke(app, args, env={"FOIDESK_TOKEN": desk["olly"]})
        assert result.exit_code == ExitCode.BAD_INPUT, (args, result.output)
        assert says in result.output, (args, result.output)
        assert "Traceback" not in result.output


def _parameters(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Every option of every command (and group), with the command's name."""
    found = [(" ".join(path), p) for p in command.params]
    for name, sub in getattr(command, "commands", {}).items():
        found += _parameters(sub, (*path, name))
    return found


def test_every_database_option_is_one_of_two_with_its_variable() -> None:
    kinds = {"--store": (STORE_ENV, STORE_HELP), "--db": (REGISTER_ENV, REGISTER_HELP)}
    seen: dict[str, list[str]] = {"--store": [], "--db": []}
    for command, param in _parameters(get_command(app)):
        names = set(getattr(param, "opts", []))
        if command == "answer" and "--log" in names:
            assert param.envvar == REGISTER_ENV  # the register, as the log to protect against
            continue
        kind = "--store" if "--store" in names else "--db" if "--db" in names else None
        if kind is None:
            continue
        seen[kind].append(command)
        assert names != {"--store", "--db"}, f"{command}: one option names one database"
        envvar, help_ = kinds[kind]
        assert (command, param.envvar) == (command, envvar)
        assert help_ in (param.help or ""), command
    assert {"synth", "answer", "snapshots", "snapshots use", "serve", "request import"} <= set(
        seen["--store"]
    )
    assert {"request new", "request list", "policy list", "user list", "serve"} <= set(seen["--db"])


@pytest.mark.parametrize(
    "args",
    [
        ["summary"],
        ["snapshots"],
        ["snapshots", "use", "abc"],
        ["export", "--out", "x"],
        ["load", "mapping.yaml"],
        ["answer", "request.yaml", "--out", "x"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_db_given_to_a_store_command_names_store(args: list[str], tmp_path: Path) -> None:
    # --db is the register everywhere; an old script passing it for the store is told so.
    store = tmp_path / "london.duckdb"
    result = CliRunner().invoke(app, [*args, "--db", str(store)])
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "--db names the register" in result.output
    assert "--store FILE or $FOIDESK_STORE" in " ".join(result.output.split())
    assert not store.exists()


def test_db_given_to_answer_names_its_register_option_too(tmp_path: Path) -> None:
    # answer also takes the register, as --log: --db may have meant that, so it says so.
    result = CliRunner().invoke(app, ["answer", "request.yaml", "--out", "x", "--db", "r.sqlite"])
    said = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # the error's box
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "give --store FILE or $FOIDESK_STORE; the register is its --log" in said


def test_the_variables_alone_name_the_databases(desk: dict[str, str], tmp_path: Path) -> None:
    env = {
        "FOIDESK_TOKEN": desk["olly"],
        REGISTER_ENV: desk["db"],
        STORE_ENV: str(tmp_path / "london.duckdb"),
    }
    runner = CliRunner(env=env)
    steps = [
        ["request", "new", REF, "--received", "2024-06-03", "--text", "How many dogs?"],
        ["request", "acknowledge", REF, "--on", "2024-06-04"],
        ["synth", "--scale", "0.002", "--years", "2024-2024"],
    ]
    for args in steps:
        done = runner.invoke(app, args)
        assert done.exit_code == 0, (args, done.output)
    listed = runner.invoke(app, ["request", "list"])
    assert listed.output.startswith(f"{REF}\t2024-06-03\treceived\tdue 2024-07-01")
    trail = runner.invoke(app, ["request", "audit", REF]).output
    assert "olly (officer)\tacknowledge" in trail
    users = runner.invoke(app, ["user", "list"]).output.splitlines()
    assert users == ["ann\tanalyst", "olly\tofficer"]
    snapshots = json.loads(runner.invoke(app, ["snapshots", "--json"]).output)
    assert [s["kind"] for s in snapshots] == ["synthetic"]
    assert (tmp_path / "london.duckdb").is_file()
    # Neither given: the command stops as bad input, and nothing is created.
    bare = CliRunner().invoke(app, ["request", "list"], env={REGISTER_ENV: ""})
    assert bare.exit_code == ExitCode.BAD_INPUT
    assert not (Path.cwd() / "register.sqlite").exists()


LIST_AND_SHOW = {
    "deadline",
    "request stats",
    "request cost",
    "request list",
    "request due",
    "request show",
    "request audit",
    "request messages",
    "request repeats",
    "policy list",
    "policy history",
    "user list",
    "snapshots",
    "summary",
}


def test_every_list_and_show_command_takes_json() -> None:
    lacking = {
        command for command, param in _parameters(get_command(app)) if command in LIST_AND_SHOW
    } - {
        command
        for command, param in _parameters(get_command(app))
        if "--json" in getattr(param, "opts", [])
    }
    assert lacking == set()


def test_json_output_parses_and_holds_the_values(desk: dict[str, str], tmp_path: Path) -> None:
    env = {"FOIDESK_TOKEN": desk["olly"], REGISTER_ENV: desk["db"]}
    runner = CliRunner(env={**env, STORE_ENV: str(tmp_path / "s.duckdb")})

    def run(*args: str) -> Any:
        done = runner.invoke(app, list(args))
        assert done.exit_code == 0, (args, done.output)
        return done.output

    run("request", "new", REF, "--received", "2024-06-03", "--text", "How many dogs?",
        "--part", "Dogs by year", "--title", "Police dogs",
        "--contact", "a@example.org")  # fmt: skip
    run("request", "acknowledge", REF, "--on", "2024-06-04")
    assert json.loads(run("request", "list", "--json")) == [
        {
            "reference": REF,
            "received": "2024-06-03",
            "status": "received",
            "due": "2024-07-01",
            "title": "Police dogs",
        }
    ]
    shown = json.loads(run("request", "show", REF, "--json"))
    text = run("request", "show", REF)
    assert f"fingerprint: {shown['fingerprint']}" in text
    assert (
        shown["parts"]
        == [{"number": 1, "text": "Dogs by year", "decision": None, "exemptions": []}]
        or shown["parts"][0]["text"] == "Dogs by year"
    )
    assert (shown["status"], shown["due"], shown["channel"]) == ("received", "2024-07-01", "email")
    assert "requester" not in shown and "a@example.org" not in json.dumps(shown)
    worksheet = json.loads(
        run("request", "cost", REF, "--activity", "locate", "--records", "3", "--minutes", "5",
            "--description", "Kennel logs", "--json")
    )  # fmt: skip
    assert worksheet["lines"] == [
        {
            "activity": "locate",
            "description": "Kennel logs",
            "records": 3,
            "minutes_per_record": "5.00",
            "part_number": None,
        }
    ]
    # 15 minutes at £25 an hour, against the police limit of £450.
    assert (worksheet["hours"], worksheet["cost"], worksheet["limit"]) == ("0.25", "6.25", "450")
    assert worksheet["exceeds_limit"] is False
    private = json.loads(run("request", "show", REF, "--json", "--requester"))
    assert private["requester"]["contact"] == "a@example.org"
    trail = json.loads(run("request", "audit", REF, "--json"))
    assert [(e["actor"], e["role"]) for e in trail][-1] == ("olly", "officer")
    assert "acknowledged" in [e["action"] for e in trail]
    # Times are ISO 8601 as dates are, with the T a script's parser expects.
    iso_time = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?")
    assert [e["at"] for e in trail if not iso_time.fullmatch(e["at"])] == []
    assert json.loads(run("user", "list", "--json")) == [
        {"username": "ann", "roles": ["analyst"], "active": True},
        {"username": "olly", "roles": ["officer"], "active": True},
    ]
    run("policy", "add", "dogs", "--number", "2.1", "--effective", "2024-01-02",
        "--owner", "Head of Dog Section", "--title", "Police Dogs Policy",
        "--amendments", "First issue")  # fmt: skip
    assert json.loads(run("policy", "list", "--json")) == [
        {
            "name": "dogs",
            "title": "Police Dogs Policy",
            "versions": 1,
            "current": "2.1",
            "current_effective": "2024-01-02",
        }
    ]
    history = json.loads(run("policy", "history", "dogs", "--json"))
    assert history == [
        {
            "number": "2.1",
            "effective": "2024-01-02",
            "owner_role": "Head of Dog Section",
            "amendments": "First issue",
        }
    ]
    run("synth", "--scale", "0.002", "--years", "2023-2024")
    (snapshot,) = json.loads(run("snapshots", "--json"))
    assert snapshot["current"] is True and snapshot["kind"] == "synthetic"
    # Received Mon 3 June 2024: day 20 is Mon 1 July (no bank holiday in June).
    due = json.loads(run("deadline", "2024-06-03", "--json"))
    assert due["due"] == "2024-07-01" and due["warnings"] == []
    (june,) = json.loads(run("request", "stats", "--json"))
    assert (june["period"], june["received"], june["answered"], june["still_open"]) == (
        "2024-06",
        1,
        0,
        1,
    )
    summary = json.loads(run("summary", "--json"))
    assert summary["snapshot"] == snapshot["id"]
    assert set(summary["crimes"]) == {"2023", "2024"}
    # Each year's offence groups add up to its crimes; the domestic-abuse column is within them.
    counted = sum(n for row in summary["crimes"].values() for g, n in row.items() if g != DA_COLUMN)
    assert counted == snapshot["row_counts"]["crimes"] > 0


def test_show_says_when_a_request_has_no_title_yet(desk: dict[str, str]) -> None:
    env = {"FOIDESK_TOKEN": desk["olly"], REGISTER_ENV: desk["db"]}
    runner = CliRunner(env=env)
    logged = runner.invoke(app, ["request", "new", REF, "--received", "2024-06-03", "--text", "?"])
    assert logged.exit_code == 0, logged.output
    shown = runner.invoke(app, ["request", "show", REF])
    assert shown.output.splitlines()[0] == f"{REF}: (no title for the log yet)"


def test_a_reader_that_stops_reading_is_not_an_error(tmp_path: Path) -> None:
    # `foidesk schema request | head -1`: the reader has gone before the schema is written.
    reader = subprocess.Popen(
        [sys.executable, "-m", "foidesk", "schema", "request"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # before the command has started, let alone written
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == ExitCode.DONE, stderr
    assert stderr == ""


def test_a_letter_template_that_drops_an_element_is_a_failed_check(
    desk: dict[str, str], enclosure_note: str
) -> None:
    # The template's fault, found by the letter's check: exit 1 and its message, no traceback.
    runner = CliRunner(env={"FOIDESK_TOKEN": desk["olly"], REGISTER_ENV: desk["db"]})
    for args in (
        ["request", "new", REF, "--received", "2024-06-03", "--text", "Dogs?"],
        ["request", "acknowledge", REF, "--on", "2024-06-04"],
    ):
        assert runner.invoke(app, args).exit_code == 0
    out = Path(desk["dir"]) / "letters"
    result = runner.invoke(app, ["request", "letter", REF, enclosure_note, "--out", str(out)])
    assert result.exit_code == ExitCode.CHECK_FAILED, result.output
    assert "error: template acknowledgement.html.j2 does not show enclosure" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []
