"""The seed's response letter: every s17 element, in the HTML and in the PDF read back."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pymupdf
import pytest
import yaml
from pdfminer.high_level import extract_text

from foidesk.db import upgrade
from foidesk.documents.accessibility import check_tagged_pdf
from foidesk.foi import letter_kinds
from foidesk.foi.letter_kinds import letter_text
from foidesk.foi.letters import render_letter, write_response
from foidesk.foi.register import Actor, Register, TransitionError
from foidesk.foi.request_file import import_request_file

SEED = Path(__file__).parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
REF = "01.FOI.24.035331"
CONTACT = "jo.requester@example.org"
SEED_DATA = yaml.safe_load(SEED.read_text(encoding="utf-8"))
SEED_RECEIVED = SEED_DATA["received"]
# Table 1 as its specification describes it: it counts victim-suspect pairs, not crimes.
TABLE_1 = (
    "Table 1: Victim-suspect pairs in controlling or coercive behaviour crimes where the "
    "victim-suspect relationship is former intimate partner, by period recorded, suspect sex "
    "and victim sex, recorded 1 January to 31 December 2023"
)

# What a s17 refusal notice and the response around it must say, as the letter words it.
S17_ELEMENTS = [
    "I note you seek access to the following information",
    "This letter is a refusal notice under section 17 of the Act",
    "Section 31(1)(a) and (b) – Law enforcement",
    "Section 31(1)(a) and (b) is a prejudice-based qualified exemption",
    "Evidence of harm",
    "Factors favouring disclosure",
    "Factors favouring non-disclosure",
    "Balance test",
    "Information not held.",
    "Who holds it. The Ministry of Justice",
    "Your right to an internal review",
    "section 50 of the Act",
    "Information Commissioner's Office",
]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def answer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An answer directory as the statistics engine leaves it, plus the policy documents."""
    out = tmp_path_factory.mktemp("answer") / REF
    out.mkdir(parents=True)
    (out / "tables.xlsx").write_bytes(b"workbook bytes")
    (out / "domestic_abuse_policy_redacted.pdf").write_bytes(b"%PDF redacted policy")
    (out / "domestic_abuse_policy_versions.pdf").write_bytes(b"%PDF version control")
    (out / "domestic_abuse_recording_procedures.pdf").write_bytes(b"%PDF recording procedures")
    manifest = {
        "request": REF,
        # A title written by hand is not what the letter shows: it describes the table
        # from the specification the manifest keeps.
        "tables": [
            {
                "id": "table_1",
                "title": "Table 1: CCB offences in 2023",
                "specification": SEED_DATA["tables"][0],
            }
        ],
        "files": [
            {
                "path": "tables.xlsx",
                "title": "Tables (Excel workbook)",
                "sha256": _sha(out / "tables.xlsx"),
            }
        ],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, default=str), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def seed_response(
    tmp_path_factory: pytest.TempPathFactory, answer_dir: Path
) -> tuple[dict[str, Path], Path]:
    """The seed's letter, written once for this module (a PDF takes seconds to lay out).

    The request file gets a requester contact, to show it never reaches the letter.
    """
    work = tmp_path_factory.mktemp("seed")
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["requester_contact"] = CONTACT
    seed = work / "seed.yaml"
    seed.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    db = work / "register.sqlite"
    upgrade(db)
    return write_response(seed, db, answer_dir), db


def _text(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = False

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self.skip = tag == "style"

        def handle_endtag(self, tag: str) -> None:
            self.skip = False

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_seed_letter_has_every_s17_element(
    seed_response: tuple[dict[str, Path], Path], answer_dir: Path
) -> None:
    paths, db = seed_response
    assert paths == {"html": answer_dir / "response.html", "pdf": answer_dir / "response.pdf"}
    html = paths["html"].read_text(encoding="utf-8")
    pdf = " ".join(extract_text(paths["pdf"]).split())
    text = _text(html)
    for element in S17_ELEMENTS:
        assert element in text, element
        assert element in pdf, element
    # Applicant-blind: the contact is in the register but nowhere in the letter.
    with Register(db, migrate=True) as register:
        assert register.get(REF).requester_contact == CONTACT
    assert CONTACT not in html and CONTACT not in pdf
    # Attachments: the documents named in the request file and the answer's workbook.
    assert "Domestic abuse policy (redacted)" in text
    # Part 5 says the recording procedures in use since 2015 are released: they are listed.
    assert "Domestic abuse recording procedures in use since 2015" in text
    # No file hashes for the requester (the manifest keeps them).
    assert _sha(answer_dir / "domestic_abuse_policy_redacted.pdf") not in text
    assert not re.search(r"[0-9a-f]{64}", html) and not re.search(r"[0-9a-f]{64}", pdf)
    assert "SHA-256" not in text
    assert "Tables (Excel workbook)" in text
    # Each table is described from its specification, in the list and under its part.
    assert text.count(TABLE_1) == 2 and " ".join(TABLE_1.split()) in pdf
    assert "CCB offences" not in text
    # As the Met's letter: no cost refusal in the seed.
    assert "Section 12" not in text
    # 40 working days from Mon 3 Jun 2024 (12 Jul skipped) is Tue 30 Jul 2024.
    assert "by 30 July 2024" in text
    assert "3 June 2024" in pdf
    # s17(7)'s particulars: the date of receipt, where to ask for a review, who signs.
    received = SEED_RECEIVED
    assert f"Date of receipt {received.day} {received:%B %Y}" in text
    assert "Date of receipt" in pdf and f"{received.day} {received:%B %Y}" in pdf
    assert re.search(r"internal review\. Please write to the .+ at the address below", pdf)
    assert "Yours sincerely" in pdf


def test_letter_is_accessible_printable_and_in_the_manifest(
    seed_response: tuple[dict[str, Path], Path], answer_dir: Path
) -> None:
    paths, _ = seed_response
    html = paths["html"].read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html
    assert html.count("<h1>") == 1
    assert "<caption>Decision on each part of the request</caption>" in html
    assert '<th scope="col">Decision</th>' in html
    assert "@media print" in html and "@page" in html
    assert 'font-family: "DejaVu Sans"' in html  # the stylesheet is not HTML-escaped
    # The PDF's page rules took effect: DejaVu Sans throughout, numbered pages.
    with pymupdf.open(paths["pdf"]) as pdf:
        fonts = {font[3].split("+")[-1] for font in pdf[0].get_fonts()}
        footer = pdf[0].get_text()
    assert "DejaVu-Sans" in fonts and not any("Serif" in f for f in fonts)
    assert re.search(r"Page 1 of \d+", footer)
    manifest = json.loads((answer_dir / "manifest.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in manifest["files"]}
    # Every document the request file names is in the answer directory, so it is listed.
    assert set(files) == {
        "tables.xlsx",
        "domestic_abuse_recording_procedures.pdf",
        "domestic_abuse_policy_redacted.pdf",
        "domestic_abuse_policy_versions.pdf",
        "response.html",
        "response.pdf",
    }
    assert (
        files["domestic_abuse_policy_redacted.pdf"]["title"] == "Domestic abuse policy (redacted)"
    )
    assert files["response.pdf"]["sha256"] == _sha(paths["pdf"])
    assert manifest["tables"][0]["id"] == "table_1"  # the statistics keys are kept


def test_the_letter_pdf_is_tagged_pdf_ua_with_title_and_language(
    seed_response: tuple[dict[str, Path], Path],
) -> None:
    paths, _ = seed_response
    assert check_tagged_pdf(paths["pdf"]) == []


def test_a_letter_naming_a_document_that_is_not_there_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "answer"
    out.mkdir()
    (out / "domestic_abuse_policy_redacted.pdf").write_bytes(b"%PDF redacted policy")
    upgrade(tmp_path / "register.sqlite")
    with pytest.raises(ValueError) as error:
        write_response(SEED, tmp_path / "register.sqlite", out)
    message = str(error.value)
    assert "field 'documents[1]': domestic_abuse_recording_procedures.pdf is not in" in message
    assert "the letter would say it is attached when it is not" in message
    assert not (out / "response.pdf").exists()


def test_without_a_manifest_the_letter_still_renders(tmp_path: Path) -> None:
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        import_request_file(SEED, register)
        text = _text(render_letter(register, REF, tmp_path / "no-answer-yet"))
    assert "Domestic abuse policy, version control document" in text
    assert "Tables (Excel workbook)" not in text


def test_an_unissued_response_is_marked_as_a_draft(tmp_path: Path) -> None:
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        register.new_request(REF, SEED_RECEIVED, "All of it.", [], "post", "x@y", "olly")
        register.decide(
            REF, 1, "not held", [], Actor("olly"), not_held="Court results are not police data."
        )
        text = _text(render_letter(register, REF))
    assert "Draft: this response has not been issued." in text
    assert "The force does not hold the information asked for in part 1" in text
    assert "Court results are not police data." in text
    assert "refusal notice" not in text


def test_a_refusal_in_full_and_neither_confirm_nor_deny(tmp_path: Path) -> None:
    pit = {"for": ["Openness."], "against": ["Fair trials."], "balance": "No."}
    s30 = {
        "section": "s30",
        "subsection": "(3)",
        "applies_to": "whether an investigation exists",
        "reason": "Confirming either way would reveal whether a person is being investigated.",
        "public_interest": pit,
    }
    s30_1 = {**s30, "subsection": "(1)(a)", "applies_to": "the investigation file"}
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        register.new_request(REF, SEED_RECEIVED, "Two things.", ["a", "b"], "post", "", "olly")
        register.decide(REF, 1, "neither confirm nor deny", [s30], "olly")
        register.decide(REF, 2, "withheld", [s30_1], "olly")
        text = _text(render_letter(register, REF))
    # The NCND part is never described as information the force decided not to disclose.
    assert "decided not to disclose the requested information" not in text
    assert "I have today decided not to disclose the information asked for in part 2." in text
    assert "For part 1, the force neither confirms nor denies whether it holds" in text
    assert "The force neither confirms nor denies whether it holds this information." in text
    assert "Nothing in it should be taken as an indication either that such information " in text
    assert "Section 30(3) – Investigations and proceedings (part 1)" in text
    assert "Factors favouring neither confirming nor denying" in text
    assert "Section 30(1)(a) – Investigations and proceedings (part 2)" in text


def test_the_letterhead_names_the_team_once(tmp_path: Path) -> None:
    """The Met's first postal line is its team's name: the letterhead prints it once."""
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        import_request_file(SEED, register)
        lines = letter_text(render_letter(register, REF)).splitlines()
    assert lines[1:6] == [
        "Metropolitan Police Service",
        "Information Rights Unit",
        "Metropolitan Police Service",
        "https://www.met.police.uk/",
        "Freedom of information request reference no",
    ]


# A request of two parts: one neither confirmed nor denied, one not held.
NCND_LIMB = {
    "section": "s30",
    "subsection": "(3)",
    "applies_to": "whether an investigation exists",
    "reason": "Confirming either way would reveal whether a person is being investigated.",
    "public_interest": {"for": ["Openness."], "against": ["Fair trials."], "balance": "No."},
}
OLLY, RITA = Actor("olly", "officer"), Actor("rita", "reviewer")


def _ncnd_and_not_held(register: Register) -> None:
    register.new_request(REF, SEED_RECEIVED, "Two things.", ["a", "b"], "post", "", OLLY)
    register.decide(REF, 1, "neither confirm nor deny", [NCND_LIMB], OLLY)


def test_the_response_is_a_letter_kind_checked_for_its_elements(tmp_path: Path) -> None:
    with Register(
        tmp_path / "r.sqlite", migrate=True, today=lambda: SEED_RECEIVED.replace(month=6)
    ) as register:
        _ncnd_and_not_held(register)
        # Part 2 undecided: the response lacks what section 17 requires, and is not issued yet.
        assert register.letter_problems(REF, "response") == [
            "the date of the response (approve the response, then record it with the respond step)",
            "a decision on every part that section 17 allows (part 2: no decision recorded)",
        ]
        register.decide(REF, 2, "not held", [], OLLY, not_held="Court results are not police data.")
        register.submit_for_approval(REF, OLLY)
        register.approve(REF, RITA, fingerprint=register.fingerprint(REF))
        register.respond(REF, SEED_RECEIVED.replace(month=5), [], OLLY)
        assert register.letter_problems(REF, "response") == []
        request = register.get(REF)
        facts = letter_kinds.facts_for(register, request, "response")
        # The elements this response must show: its variants' as well as every letter's.
        assert [e.key for e in letter_kinds.kind("response").required_in(facts)] == [
            "received",
            "review_address",
            "ico",
            "signatory",
            "responded_on",
            "decision",
            "refusal_notice",
            "ncnd_statement",
            "not_held",
        ]
        html = letter_kinds.render(register, REF, "response")
        assert html == render_letter(register, REF)
        assert letter_kinds.unmarked_elements(html, "response", facts) == []
        # A template that drops the NCND statement or the reason a part is not held is caught.
        for element in ("ncnd_statement", "not_held"):
            dropped = html.replace(f'data-element="{element}"', "")
            assert letter_kinds.unmarked_elements(dropped, "response", facts) == [element]
        # Issued as any other letter: written, read back and recorded.
        issued = letter_kinds.issue(register, REF, "response", tmp_path / "letters", OLLY)
        assert register.get(REF).letters[-1].kind == "response"
    with pymupdf.open(issued.pdf) as pdf:
        text = " ".join(" ".join(page.get_text() for page in pdf).split())
    assert "The force neither confirms nor denies whether it holds this information." in text
    assert "Court results are not police data." in text


def test_an_unissued_response_cannot_be_issued_as_a_letter(tmp_path: Path) -> None:
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        _ncnd_and_not_held(register)
        register.decide(REF, 2, "not held", [], OLLY, not_held="Not police data.")
        with pytest.raises(
            TransitionError,
            match="the response cannot be issued: it lacks the date of the response",
        ):
            letter_kinds.issue(register, REF, "response", tmp_path / "letters", OLLY)
        assert register.get(REF).letters == []
    assert not (tmp_path / "letters").exists() or list((tmp_path / "letters").iterdir()) == []
