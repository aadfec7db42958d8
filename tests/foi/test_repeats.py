"""Repeated requests (s14(2)) and round robins: flagged for the officer, never published."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.db import open_session, upgrade
from foidesk.foi import repeats
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.register import Register

runner = CliRunner()
QUESTION = "How many spit hoods were used by officers in 2023?"


def _log(register: Register, reference: str, text: str, contact: str, day: int) -> None:
    register.new_request(
        reference, date(2024, 3, day), text, [text], "email", contact, "olly",
        title="Spit hoods", subject="Use of force",
    )  # fmt: skip


def test_a_word_for_word_repeat_from_the_same_requester_is_flagged(register_db: str) -> None:
    with Register(register_db, migrate=True) as register:
        _log(register, "01.FOI.24.000501", QUESTION, "sam@example.org", 4)
        _log(
            register,
            "01.FOI.24.000502",
            f"Dear FOI team,\n{QUESTION}\nThanks",
            "Sam@Example.org",
            11,
        )
        found = repeats.find(register, "01.FOI.24.000502")
        assert [(r.reference, r.kind, r.same_requester) for r in found.repeats] == [
            ("01.FOI.24.000501", "identical", True)
        ]
        assert not found.round_robin
        # The earlier request is not a repeat of the later one.
        assert repeats.find(register, "01.FOI.24.000501").repeats == ()
    shown = runner.invoke(app, ["request", "repeats", "01.FOI.24.000502", "--db", register_db])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == [
        "identical to 01.FOI.24.000501 (received 04 March 2024) from the same requester: a "
        "repeated request (s14(2) if no reasonable interval has passed)",
        # Both unanswered and a week apart: regulation 5 could aggregate them.
        "may aggregate (regulation 5) with 01.FOI.24.000501: the same requester, identical "
        "words (overlap 1.00), received 2024-03-04",
    ]


def test_the_same_request_from_three_requesters_is_a_round_robin(register_db: str) -> None:
    with Register(register_db, migrate=True) as register:
        _log(register, "01.FOI.24.000601", QUESTION, "a@example.org", 4)
        _log(
            register,
            "01.FOI.24.000602",
            "In 2023, how many spit hoods were used by officers?",
            "b@example.net",
            5,
        )
        _log(register, "01.FOI.24.000603", QUESTION, "c@example.com", 6)
        # Another year is other information, however close the words.
        _log(register, "01.FOI.24.000604", QUESTION.replace("2023", "2022"), "d@example.com", 7)
        third = repeats.find(register, "01.FOI.24.000603")
        assert third.round_robin
        assert {(r.reference, r.kind) for r in third.repeats} == {
            ("01.FOI.24.000601", "identical"),
            ("01.FOI.24.000602", "similar"),
        }
        assert repeats.find(register, "01.FOI.24.000604").repeats == ()
    shown = runner.invoke(
        app, ["request", "repeats", "01.FOI.24.000603", "--json", "--db", register_db]
    )
    data = json.loads(shown.output)
    assert data["round_robin"] is True
    assert data["flags"][0].startswith("a round robin")


def test_a_request_addressed_to_every_force_is_a_round_robin() -> None:
    text = "I am sending this request to every police force in England and Wales. How many?"
    assert repeats.is_round_robin(text, "x@example.org", [], {})
    assert not repeats.is_round_robin("How do you compare with all other forces?", "x", [], {})


def _figures(name: str) -> dict:
    path = Path(__file__).parents[2] / "benchmarks" / "repeats.py"
    spec = importlib.util.spec_from_file_location("repeat_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate(module.DATA / name)


def test_the_labelled_set_gives_the_documented_figures() -> None:
    tuning = _figures("repeats_labelled.yaml")
    assert tuning["pairs"] == 50
    assert tuning["repeats (identical or similar)"] == {
        "labelled": 30, "flagged": 28, "correct": 28, "precision": 1.0, "recall": 0.933,
    }  # fmt: skip
    assert tuning["identical"]["precision"] == tuning["identical"]["recall"] == 1.0
    assert tuning["round robins"]["precision"] == tuning["round robins"]["recall"] == 1.0
    held_out = _figures("repeats_heldout.yaml")
    assert held_out["repeats (identical or similar)"] == {
        "labelled": 8, "flagged": 6, "correct": 6, "precision": 1.0, "recall": 0.75,
    }  # fmt: skip


def test_logging_a_repeat_says_so(tmp_path: Path) -> None:
    db = str(tmp_path / "register.sqlite")
    upgrade(db)
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    for reference, day in (("01.FOI.24.000701", "2024-03-04"), ("01.FOI.24.000702", "2024-03-11")):
        logged = runner.invoke(
            app,
            ["request", "new", reference, "--received", day, "--text", QUESTION,
             "--contact", "sam@example.org", "--db", db],
            env={"FOIDESK_TOKEN": token},
        )  # fmt: skip
        assert logged.exit_code == 0, logged.output
    assert "note: identical to 01.FOI.24.000701" in logged.output
    assert "from the same requester: a repeated request" in logged.output


def test_a_candidate_without_a_shared_contact_is_not_said_to_be_from_someone_else() -> None:
    # Two requests logged with no contact details share no requester on record, which does
    # not show that another person asked.
    candidate = repeats.Candidate("01.FOI.24.000002", date(2024, 6, 3), False, "similar", 0.5)
    assert candidate.why == (
        "not known to be the same requester, similar words (overlap 0.50), received 2024-06-03"
    )
