"""Each letter the desk writes before and after the response: issued through the register,
checked for the elements its kind requires, and read back from its PDF with PyMuPDF."""

from __future__ import annotations

import hashlib
import json
import linecache
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import pymupdf
import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.db import open_session, upgrade
from foidesk.documents.accessibility import check_tagged_pdf
from foidesk.foi import letter_kinds
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.letter_kinds import letter_text
from foidesk.foi.register import Actor, Register, TransitionError
from foidesk.settings import Authority, Contact, Settings, Signatory

REF = "01.FOI.25.000101"
RECEIVED = date(2025, 2, 3)  # a Monday
TODAY = date(2025, 3, 14)
OLLY = Actor("olly", "officer")
RITA = Actor("rita", "reviewer")

SETTINGS = Settings(
    authority=Authority(
        name="Northshire Police",
        team="Freedom of Information team",
        contact=Contact(
            postal_address=["Freedom of Information team", "Police HQ", "Northtown NT1 1AA"],
            email="foi@northshire.example",
        ),
        internal_review=Contact(
            postal_address=["Internal Review Officer", "Police HQ", "Northtown NT1 1AA"],
            email="reviews@northshire.example",
        ),
        signatory=Signatory(name="Alex Morgan", role="Information Manager"),
    )
)

# What every letter states, as its PDF reads: the particulars from the settings.
PARTICULARS = [
    f"Freedom of information request reference no {REF}",
    "Date of receipt 3 February 2025",
    "Internal Review Officer Police HQ Northtown NT1 1AA",
    "reviews@northshire.example",
    "section 50 of the Act",
    "Information Commissioner's Office Wycliffe House Water Lane Wilmslow Cheshire SK9 5AF",
    "Yours sincerely, Alex Morgan Information Manager Freedom of Information team, "
    "Northshire Police",
]


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    with Register(
        tmp_path / "register.sqlite", settings=SETTINGS, today=lambda: TODAY, migrate=True
    ) as reg:
        reg.new_request(
            REF,
            RECEIVED,
            "How many police dogs did the force have in 2024?",
            ["How many police dogs did the force have in 2024?"],
            "email",
            "sam@example.org",
            OLLY,
        )
        yield reg


def _read_back(path: Path) -> str:
    """The PDF's text as PyMuPDF reads it, with its spacing collapsed."""
    with pymupdf.open(path) as pdf:
        return " ".join(" ".join(page.get_text() for page in pdf).split())


def _issued(register: Register, kind: str, tmp_path: Path, on: date) -> str:
    """Issue the letter, check the register kept it and its PDF is tagged; its PDF text."""
    letter = letter_kinds.issue(register, REF, kind, tmp_path / "letters", OLLY, on=on)
    kept = register.get(REF).letters[-1]
    assert (kept.kind, kept.issued_on, kept.issued_by) == (kind, on, "olly")
    assert [f["file"] for f in kept.files] == [letter.html.name, letter.pdf.name]
    assert letter.pdf.name == f"{kind}-{on.isoformat()}.pdf"
    assert check_tagged_pdf(letter.pdf) == []
    text = _read_back(letter.pdf)
    for particular in PARTICULARS:
        assert particular in text, particular
    assert f"Date of this letter {on.day} {on:%B %Y}" in text
    return text


def test_the_acknowledgement_gives_the_due_date_and_records_the_acknowledgement(
    register: Register, tmp_path: Path
) -> None:
    text = _issued(register, "acknowledgement", tmp_path, date(2025, 2, 4))
    # 20 working days after 3 February 2025.
    assert "We will respond by 3 March 2025." in text
    assert "How many police dogs did the force have in 2024?" in text
    assert register.get(REF).acknowledged_on == date(2025, 2, 4)


def test_the_clarification_request_asks_the_question_on_record(
    register: Register, tmp_path: Path
) -> None:
    with pytest.raises(TransitionError) as refused:
        letter_kinds.issue(register, REF, "clarification", tmp_path / "letters", OLLY)
    assert str(refused.value) == (
        f"{REF}: the clarification request cannot be issued: it lacks the question the "
        "requester is asked (no clarification is open: record it with the clarify step first)"
    )
    assert not (tmp_path / "letters").exists() or not any((tmp_path / "letters").iterdir())
    register.clarify(REF, date(2025, 2, 5), "Do you mean dogs in service on 31 December?", OLLY)
    text = _issued(register, "clarification", tmp_path, date(2025, 2, 5))
    assert "Do you mean dogs in service on 31 December?" in text
    assert "section 1(3) of the Act" in text
    assert "start again on the day we receive your reply" in text
    # Closed three months after it was sought (the settings' period).
    assert "If we have not heard from you by 5 May 2025" in text


def test_the_fees_notice_gives_the_amount_and_the_date_the_request_lapses(
    register: Register, tmp_path: Path
) -> None:
    register.fee_notice(REF, date(2025, 2, 10), Decimal("45.50"), OLLY)
    text = _issued(register, "fees-notice", tmp_path, date(2025, 2, 10))
    assert "a fees notice under section 9 of the Act" in text
    assert "a fee of £45.50 is payable" in text
    # Unpaid three months after 10 February, it lapses on 10 May (s9(2)).
    assert "it lapses on 10 May 2025" in text
    assert "section 9(2)" in text


def test_the_extension_notice_names_the_exemption_why_and_the_new_date(
    register: Register, tmp_path: Path
) -> None:
    register.extend(REF, "s31", date(2025, 3, 28), OLLY, notified_on=date(2025, 2, 24))
    with pytest.raises(TransitionError, match="it lacks why more time is needed"):
        letter_kinds.issue(register, REF, "extension", tmp_path / "letters", OLLY)
    with pytest.raises(TransitionError, match="it lacks why more time is needed"):
        register.record_letter(REF, "extension", date(2025, 2, 24), [], OLLY)
    assert register.get(REF).letters == []


def test_the_extension_notice_reads_back(register: Register, tmp_path: Path) -> None:
    register.extend(
        REF,
        "s31",
        date(2025, 3, 28),
        OLLY,
        notified_on=date(2025, 2, 24),
        reason="The operational teams consulted on harm have not yet replied.",
    )
    text = _issued(register, "extension", tmp_path, date(2025, 2, 24))
    assert "a notice under section 17(2) of the Act" in text
    assert "Section 31 – Law enforcement, a prejudice-based qualified exemption." in text
    assert "The operational teams consulted on harm have not yet replied." in text
    assert "respond by 28 March 2025, rather than by 3 March 2025" in text


def _responded(register: Register) -> None:
    register.decide(REF, 1, "disclosed", [], OLLY, summary="The force had 41 dogs.")
    register.submit_for_approval(REF, OLLY)
    register.approve(REF, RITA, fingerprint=register.fingerprint(REF))
    register.respond(REF, date(2025, 2, 20), [], OLLY)
    register.internal_review(REF, date(2025, 2, 27), OLLY)


def test_a_review_not_upheld_must_say_what_changes(register: Register, tmp_path: Path) -> None:
    _responded(register)
    register.decide_review(
        REF, date(2025, 3, 10), "The count left out puppies in training.", RITA,
        result="overturned",
    )  # fmt: skip
    with pytest.raises(TransitionError) as refused:
        letter_kinds.issue(register, REF, "review-outcome", tmp_path / "letters", OLLY)
    assert "it lacks what the review changes in the response" in str(refused.value)
    with pytest.raises(ValueError, match="'quashed' is not one of upheld, partly upheld"):
        register.decide_review(REF, date(2025, 3, 10), "x", RITA, result="quashed")


def test_the_review_outcome_says_the_result_and_what_changes(
    register: Register, tmp_path: Path
) -> None:
    _responded(register)
    register.decide_review(
        REF, date(2025, 3, 10), "The count left out dogs in training.", RITA,
        result="partly upheld",
        changes="The corrected count is 47 dogs, including six in training.",
    )  # fmt: skip
    text = _issued(register, "review-outcome", tmp_path, date(2025, 3, 11))
    assert "The review has partly upheld the original response." in text
    assert "The count left out dogs in training." in text
    assert "The corrected count is 47 dogs, including six in training." in text
    assert "Your request for a review arrived on 27 February 2025" in text


def test_the_transfer_notice_names_the_authority(register: Register, tmp_path: Path) -> None:
    register.transfer(REF, date(2025, 2, 6), "British Transport Police", OLLY)
    text = _issued(register, "transfer", tmp_path, date(2025, 2, 6))
    assert "British Transport Police" in text
    assert "We transferred it on 6 February 2025" in text
    assert register.get(REF).status == "transferred"


def test_a_letter_without_a_signatory_or_review_address_is_refused(tmp_path: Path) -> None:
    bare = Settings()  # no contact details, no signatory
    with Register(
        tmp_path / "register.sqlite", settings=bare, today=lambda: TODAY, migrate=True
    ) as register:
        register.new_request(REF, RECEIVED, "Dogs?", ["Dogs?"], "email", "s@example.org", OLLY)
        assert register.letter_problems(REF, "acknowledgement") == [
            "the address for internal reviews (s17(7)) (give authority.internal_review or "
            "authority.contact a postal or email address in the settings)",
            "a named signatory and role (give authority.signatory a name and role in the settings)",
        ]
        with pytest.raises(TransitionError, match="a named signatory and role"):
            letter_kinds.issue(register, REF, "acknowledgement", tmp_path / "out", OLLY)
        assert register.get(REF).acknowledged_on is None
    assert list((tmp_path / "out").glob("*")) == []


def test_a_template_that_drops_an_element_is_caught(register: Register) -> None:
    on = date(2025, 2, 4)
    html = letter_kinds.render(register, REF, "acknowledgement", on)
    facts = letter_kinds.facts_for(register, register.get(REF), "acknowledgement", on)
    assert letter_kinds.unmarked_elements(html, "acknowledgement", facts) == []
    dropped = html.replace('data-element="due"', "")
    assert letter_kinds.unmarked_elements(dropped, "acknowledgement", facts) == ["due"]


@contextmanager
def _together_once_the_folder_is_made(threads: int) -> Iterator[None]:
    """Threads started inside wait for each other once ``issue`` has made the letters'
    folder, then take turns line by line: the moment between choosing a file's name and
    writing it, which a busy server stretches, is then shared by them all."""
    source = letter_kinds.__file__
    met = threading.Barrier(threads, timeout=60)

    met_at: dict[int, bool] = {}

    def lines(frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "line":
            line = linecache.getline(source, frame.f_lineno)
            if frame.f_code.co_name == "issue" and "out_dir.mkdir(" in line:
                met_at[threading.get_ident()] = True
            elif met_at.pop(threading.get_ident(), False):
                met.wait()
            time.sleep(0)  # let another thread run its line
        return lines

    def calls(frame: FrameType, _event: str, _arg: Any) -> Any:
        return lines if frame.f_code.co_filename == source else None

    threading.settrace(calls)
    try:
        yield
    finally:
        threading.settrace(None)  # type: ignore[arg-type]


def test_letters_issued_at_once_keep_their_own_files(register: Register, tmp_path: Path) -> None:
    """A double-click, or two officers at once: letters of one kind on one day, written
    together into one folder, each keep files of their own, as recorded; one refused (the
    register busy, or the request changed meanwhile) leaves no file and removes none."""
    on, out = date(2025, 2, 4), tmp_path / "letters"
    at_once = 4
    issued: list[letter_kinds.IssuedLetter] = []
    refused: list[TransitionError] = []

    def issue() -> None:
        try:
            issued.append(letter_kinds.issue(register, REF, "acknowledgement", out, OLLY, on=on))
        except TransitionError as exc:
            refused.append(exc)

    with _together_once_the_folder_is_made(at_once):
        threads = [threading.Thread(target=issue) for _ in range(at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(issued) + len(refused) == at_once and issued
    kept = register.get(REF).letters
    assert len(kept) == len(issued)
    recorded = [f for letter in kept for f in letter.files]
    names = [f["file"] for f in recorded]
    assert len(set(names)) == len(names) == 2 * len(issued)
    for f in recorded:
        path = out / f["file"]
        assert path.is_file(), f["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"], f["file"]
    # Nothing but the recorded letters: no file of a refused letter, no half-written PDF.
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_an_unknown_kind_names_the_known() -> None:
    with pytest.raises(KeyError, match="kinds are acknowledgement, clarification, fees-notice"):
        letter_kinds.kind("apology")


def test_letters_from_the_command_line_with_the_met_settings(tmp_path: Path) -> None:
    db = str(tmp_path / "register.sqlite")
    upgrade(db)
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    runner = CliRunner(env={"FOIDESK_TOKEN": token})
    met = Path(__file__).parents[2] / "examples" / "settings" / "met.yaml"

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--settings", str(met), "request", *args, "--db", db])

    today = date.today()
    logged = invoke(
        "new", "01.FOI.24.000777", "--received", today.isoformat(), "--text", "Police dogs?",
        "--contact", "s@example.org",
    )  # fmt: skip
    assert logged.exit_code == 0, logged.output
    out = tmp_path / "letters"
    refused = invoke("letter", "01.FOI.24.000777", "clarification", "--out", str(out))
    assert refused.exit_code == 3  # refused: the request lacks what the letter must state
    assert "it lacks the question the requester is asked" in refused.output
    assert not out.exists() or list(out.iterdir()) == []
    invoke("clarify", "01.FOI.24.000777", "--sought", today.isoformat(), "--question", "Which?")
    issued = invoke("letter", "01.FOI.24.000777", "clarification", "--out", str(out))
    assert issued.exit_code == 0, issued.output
    pdf = out / f"clarification-{today.isoformat()}.pdf"
    assert issued.output.split() == [str(pdf.with_suffix(".html")), str(pdf)]
    text = _read_back(pdf)
    assert "Metropolitan Police Service" in text
    assert "Which?" in text
    assert "Yours sincerely, Information Manager Information Rights Unit" in text
    unknown = invoke("letter", "01.FOI.24.000777", "apology", "--out", str(out))
    assert unknown.exit_code == 2 and "kinds are acknowledgement" in unknown.output
    # A reference without its kind is not taken for a missing request file.
    kindless = invoke("letter", "01.FOI.24.000777", "--out", str(out))
    assert kindless.exit_code == 2, kindless.output
    assert "error: 01.FOI.24.000777 is not a request file: give the kind of letter to issue" in (
        " ".join(kindless.output.split())
    )
    assert "kinds are acknowledgement" in kindless.output


SEED = Path(__file__).parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"


def test_the_response_from_the_command_line_lists_its_answers_tables_and_files(
    tmp_path: Path,
) -> None:
    """The command line's response lists the answer directory's tables and files, as the
    workspace's does; without the directory it is refused while a part is answered by tables."""
    db = str(tmp_path / "register.sqlite")
    upgrade(db)
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    tabled, untabled = "01.FOI.25.000201", "01.FOI.25.000202"
    with Register(db, settings=SETTINGS) as register:
        for reference, tables in ((tabled, ["table_1"]), (untabled, [])):
            register.new_request(
                reference, RECEIVED, "Controlling behaviour?", ["Controlling behaviour?"],
                "email", "", OLLY,
            )  # fmt: skip
            register.decide(
                reference, 1, "disclosed", [], OLLY, summary="The figures.", tables=tables
            )
            register.submit_for_approval(reference, OLLY)
            register.approve(reference, RITA, fingerprint=register.fingerprint(reference))
            register.respond(reference, date(2025, 2, 28), [], OLLY)
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "tables.xlsx").write_bytes(b"workbook bytes")
    spec = yaml.safe_load(SEED.read_text(encoding="utf-8"))["tables"][0]
    manifest = {
        "request": tabled,
        "tables": [{"id": "table_1", "title": "Table 1", "specification": spec}],
        "files": [
            {
                "path": "tables.xlsx",
                "title": "Tables (Excel workbook)",
                "sha256": hashlib.sha256(b"workbook bytes").hexdigest(),
            }
        ],
    }
    (answer / "manifest.json").write_text(json.dumps(manifest, default=str), encoding="utf-8")
    runner = CliRunner(env={"FOIDESK_TOKEN": token})
    met = Path(__file__).parents[2] / "examples" / "settings" / "met.yaml"
    out = tmp_path / "letters"

    def letter(reference: str, *options: str) -> Result:
        return runner.invoke(
            app,
            ["--settings", str(met), "request", "letter", reference, "response", "--out",
             str(out), "--on", "2025-02-28", *options, "--db", db],
        )  # fmt: skip

    refused = letter(tabled)
    assert refused.exit_code == 2, refused.output
    assert (
        f"error: {tabled}: the response lists the answer's tables and files: give the answer "
        "directory with --answer (part 1 is answered by tables)"
    ) in " ".join(refused.output.split())
    assert not out.exists() or list(out.iterdir()) == []

    issued = letter(tabled, "--answer", str(answer))
    assert issued.exit_code == 0, issued.output
    text = _read_back(out / "response-2025-02-28.pdf").replace("- ", "-")
    table_1 = (
        "Table 1: Victim-suspect pairs in controlling or coercive behaviour crimes where the "
        "victim-suspect relationship is former intimate partner"
    )
    assert f"This table answers this part: {table_1}" in text
    assert (
        f"The workbook holds these tables, with a Notes page explaining how they were "
        f"counted: {table_1}" in text
    )
    assert "Tables (Excel workbook)" in text

    # A request no table answers has no answer directory to give.
    plain = letter(untabled)
    assert plain.exit_code == 0, plain.output
    assert "Tables (Excel workbook)" not in _read_back(out / "response-2025-02-28-2.pdf")
    # The directory belongs to the response alone.
    misplaced = runner.invoke(
        app,
        ["--settings", str(met), "request", "letter", untabled, "acknowledgement", "--out",
         str(out), "--answer", str(answer), "--db", db],
    )  # fmt: skip
    assert misplaced.exit_code == 2, misplaced.output
    assert "--answer is the response's" in " ".join(misplaced.output.split())


def test_the_text_of_a_letter_keeps_each_block_and_cell_apart(register: Register) -> None:
    """An email's body and the personal-data review read the text: a table's cells and a
    paragraph before a heading must not run together."""
    _partly_disclosed(register)
    lines = letter_text(letter_kinds.render(register, "01.FOI.25.000102", "response"))
    header = lines.split("Decision on each part of the request\n", 1)[1].splitlines()[:3]
    assert header == ["Part", "You asked for", "Decision"]
    assert "The force had 41 police dogs on 31 December 2024.\nPart 2\n" in lines


# -- docs/letters.md shows an example of every letter, as the templates word it ----------------


def _review_decided(register: Register) -> None:
    _responded(register)
    register.decide_review(
        REF, date(2025, 3, 10), "The count left out dogs in training.", RITA,
        result="partly upheld",
        changes="The corrected count is 47 dogs, including six in training.",
    )  # fmt: skip


@dataclass(frozen=True)
class Example:
    """A letter docs/letters.md shows: its kind, its date, what the desk did before it, and
    the request it is about (each response example has its own)."""

    kind: str
    on: date
    before: Callable[[Register], object]
    reference: str = REF
    whole: bool = False  # the whole letter, particulars and all, not the body alone


def _responded_to(
    register: Register, reference: str, text: str, decisions: list[dict[str, Any]]
) -> str:
    """A request of one part per decision, decided, approved and responded to on 28 February."""
    register.new_request(
        reference, RECEIVED, text, [d["part"] for d in decisions], "email", "", OLLY
    )
    for number, d in enumerate(decisions, start=1):
        details = {k: v for k, v in d.items() if k in ("summary", "not_held", "held_by")}
        register.decide(reference, number, d["decision"], d.get("exemptions", []), OLLY, **details)
    register.submit_for_approval(reference, OLLY)
    register.approve(reference, RITA, fingerprint=register.fingerprint(reference))
    register.respond(reference, date(2025, 2, 28), [], OLLY)
    return reference


def _partly_disclosed(register: Register) -> str:
    kennels = {
        "section": "s31",
        "subsection": "(1)(a)",
        "applies_to": "where the dogs are kennelled",
        "harm": "Knowing where the dogs are kept would let offenders target them, or "
        "watch for them leaving to a deployment.",
        "public_interest": {
            "for": ["Openness about how the force spends public money on its dogs."],
            "against": [
                "The safety of the dogs and their handlers.",
                "Keeping the force able to deploy dogs unannounced.",
            ],
            "balance": "The public interest favours withholding where the dogs are kept.",
        },
    }
    return _responded_to(
        register,
        "01.FOI.25.000102",
        "How many police dogs did the force have in 2024, and where are they kennelled?",
        [
            {
                "part": "How many police dogs did the force have in 2024?",
                "decision": "disclosed",
                "summary": "The force had 41 police dogs on 31 December 2024.",
            },
            {"part": "Where are they kennelled?", "decision": "withheld", "exemptions": [kennels]},
        ],
    )


def _ncnd(register: Register) -> str:
    limb = {
        "section": "s31",
        "subsection": "(3)",
        "harm": "Confirming or denying would tell the group whether the police are watching "
        "it, and so whether to change how it operates.",
        "public_interest": {
            "for": ["Openness about how the force tackles organised crime."],
            "against": [
                "Confirming or denying would undermine any operation, or reveal that there is none."
            ],
            "balance": "The public interest favours neither confirming nor denying.",
        },
    }
    return _responded_to(
        register,
        "01.FOI.25.000103",
        "Have police dogs been used in any operation against the Eastside group in 2024?",
        [
            {
                "part": "Police dogs in operations against the Eastside group in 2024.",
                "decision": "neither confirm nor deny",
                "exemptions": [limb],
            }
        ],
    )


def _cost(register: Register) -> str:
    reference = "01.FOI.25.000104"
    text = "Every incident in 2024 in which a police dog bit someone, and its circumstances."
    register.new_request(reference, RECEIVED, text, [text], "email", "", OLLY)
    register.add_cost_line(
        reference,
        "extract",
        "reading the log of each dog deployment of 2024",
        1200,
        2,
        OLLY,
        part_number=1,
    )
    register.advise(
        reference,
        "You may ask for the number of bites recorded, without the circumstances.",
        OLLY,
    )
    register.decide(reference, 1, "refused", [{"section": "s12", "subsection": "(1)"}], OLLY)
    register.submit_for_approval(reference, OLLY)
    register.approve(reference, RITA, fingerprint=register.fingerprint(reference))
    register.respond(reference, date(2025, 2, 28), [], OLLY)
    return reference


def _vexatious(register: Register) -> str:
    s14 = {
        "section": "s14",
        "subsection": "(1)",
        "reason": "This is the thirtieth request about the force's dogs this year, each "
        "answered; together they impose a burden out of all proportion to their value.",
    }
    return _responded_to(
        register,
        "01.FOI.25.000105",
        "The same twelve questions about police dogs again.",
        [
            {
                "part": "The same twelve questions about police dogs again.",
                "decision": "refused",
                "exemptions": [s14],
            }
        ],
    )


def _not_held(register: Register) -> str:
    return _responded_to(
        register,
        "01.FOI.25.000106",
        "The cost of each police dog's veterinary treatment in 2024.",
        [
            {
                "part": "The cost of each police dog's veterinary treatment in 2024.",
                "decision": "not held",
                "not_held": "The force buys veterinary care for all its dogs under one annual "
                "contract, so the cost of each dog's treatment is not recorded.",
                "held_by": "The contractor, Northtown Veterinary Practice, may hold the treatment "
                "records.",
            }
        ],
    )


EXAMPLES: dict[str, Example] = {
    "acknowledgement": Example("acknowledgement", date(2025, 2, 4), lambda r: None, whole=True),
    "clarification": Example(
        "clarification", date(2025, 2, 5),
        lambda r: r.clarify(REF, date(2025, 2, 5), "Dogs in service on 31 December?", OLLY),
    ),
    "fees-notice": Example(
        "fees-notice", date(2025, 2, 10),
        lambda r: r.fee_notice(REF, date(2025, 2, 10), Decimal("45.50"), OLLY),
    ),
    "extension": Example(
        "extension", date(2025, 2, 24),
        lambda r: r.extend(
            REF, "s31", date(2025, 3, 28), OLLY, notified_on=date(2025, 2, 24),
            reason="The operational teams consulted on harm have not yet replied.",
        ),
    ),
    "review-outcome": Example("review-outcome", date(2025, 3, 11), _review_decided),
    "transfer": Example(
        "transfer", date(2025, 2, 6),
        lambda r: r.transfer(REF, date(2025, 2, 6), "British Transport Police", OLLY),
    ),
    "response": Example(
        "response", date(2025, 2, 28), _partly_disclosed, "01.FOI.25.000102", whole=True
    ),
    "response-ncnd": Example("response", date(2025, 2, 28), _ncnd, "01.FOI.25.000103"),
    "response-s12": Example("response", date(2025, 2, 28), _cost, "01.FOI.25.000104"),
    "response-s14": Example("response", date(2025, 2, 28), _vexatious, "01.FOI.25.000105"),
    "response-not-held": Example("response", date(2025, 2, 28), _not_held, "01.FOI.25.000106"),
}  # fmt: skip


def example_of(name: str, register: Register) -> str:
    """The example docs/letters.md shows: the whole letter, or its body alone."""
    example = EXAMPLES[name]
    example.before(register)
    html = letter_kinds.render(register, example.reference, example.kind, example.on)
    lines = letter_text(html).splitlines()
    if not example.whole:
        # The body starts after the letter's own date (the line after "Date of receipt"'s).
        start = next(
            i + 2
            for i, line in enumerate(lines)
            if line in ("Date of this letter", "Date of response")
        )
        end = next(
            i
            for i, line in enumerate(lines)
            if line in ("Your right to an internal review", "This completes the internal review")
        )
        lines = lines[start:end]
    return "```text\n" + "\n".join(lines) + "\n```"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_docs_show_each_letter_as_it_reads(register: Register, name: str) -> None:
    page = (Path(__file__).parents[2] / "docs" / "letters.md").read_text(encoding="utf-8")
    example = example_of(name, register)
    assert example in page, f"docs/letters.md should show the {name} as:\n{example}"


def test_every_kind_has_an_example() -> None:
    assert {e.kind for e in EXAMPLES.values()} == set(letter_kinds.KINDS)
