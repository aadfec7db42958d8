"""Suggested redactions: found for a reviewer, applied only once accepted."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from document_builders import html_pdf

from foidesk.documents.redaction import redact
from foidesk.documents.rules import RuleError
from foidesk.documents.suggestions import rules_from_review, suggest, suggest_text, write_review

LETTER = (
    "Call 020 7946 0018 or 07700 900123; email jane.smith@example.police.uk. "
    "NI number AB123456C (not QQ123456C). Seen at SW1A 2AA driving AB12 CDE. "
    "Crime reference number: 01/23456/24 and CRIS 1234567/24. Attended by PC 1234 and "
    "collar number 5678. Jane Smith spoke to Mr Brown."
)


def test_each_kind_is_suggested() -> None:
    found = [(s.kind, s.text) for s in suggest_text(LETTER, names=["Jane Smith", "Brown"])]
    assert found == [
        ("UK phone number", "020 7946 0018"),
        ("UK phone number", "07700 900123"),
        ("email address", "jane.smith@example.police.uk"),
        ("National Insurance number", "AB123456C"),
        ("postcode", "SW1A 2AA"),
        ("vehicle registration", "AB12 CDE"),
        ("crime reference number", "01/23456/24"),
        ("crime reference number", "CRIS 1234567/24"),
        ("collar number", "PC 1234"),
        ("collar number", "5678"),
        ("name", "Jane Smith"),
        ("name", "Brown"),
    ]


def test_names_match_whole_words_only() -> None:
    found = suggest_text("Ann Brownlow planned the annual review", names=["Ann", "Brown"])
    assert [(s.kind, s.text, s.context) for s in found] == [
        ("name", "Ann", "Ann Brownlow planned the annual r")
    ]


def test_suggestions_change_nothing_until_accepted(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "letter.pdf", "<p>Call 020 7946 0018 or 07700 900123.</p>")
    before = source.read_bytes()
    found = suggest(source)
    assert [(s.where, s.text) for s in found] == [
        ("page 1", "020 7946 0018"),
        ("page 1", "07700 900123"),
    ]
    assert source.read_bytes() == before

    sheet = write_review(found, tmp_path / "review.csv")
    rows = list(csv.DictReader(sheet.open()))
    rows[0]["decision"] = "accept"
    rows[1]["decision"] = "reject"
    with sheet.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    rules = rules_from_review(sheet)
    assert [(r.kind, r.value, r.label) for r in rules] == [("phrase", "020 7946 0018", "s40(2)")]
    result = redact(source, tmp_path / "out.pdf", rules)
    assert [e.text for e in result.entries] == ["020 7946 0018"]


def test_an_unclear_decision_names_the_row_and_field(tmp_path: Path) -> None:
    sheet = tmp_path / "review.csv"
    sheet.write_text("decision,label,kind,text,where,context\nmaybe,s40(2),name,Ann,p1,\n")
    with pytest.raises(RuleError, match=r"review.csv: row 2: field 'decision': 'maybe'"):
        rules_from_review(sheet)
