"""Every PDF foidesk publishes is tagged PDF/UA-1 with a title and a language, read back
with pikepdf; redaction keeps the tags and redacts what the structure tree says aloud.

The check (``check_tagged_pdf``) looks for a structure tree, MarkInfo Marked, Lang, a
title in the document information and XMP with DisplayDocTitle, the PDF/UA
identification, every painting operator in tagged content or an artifact, and
alternative text on every figure.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pikepdf
import pymupdf
import pytest
from document_builders import html_pdf

from foidesk.db import upgrade
from foidesk.documents.accessibility import check_tagged_pdf, write_pdf_ua
from foidesk.documents.illustrative import write_policy_documents
from foidesk.documents.redaction import redact
from foidesk.documents.rules import Rule
from foidesk.documents.verification import verify_pdf

LABEL = "s31(1)(a)"
PHRASE = "ALBATROSS CORRIDOR"
# A 1x1 grey PNG: the picture's content does not matter, its alternative text does.
PIXEL = base64.b64encode(
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
).decode()


def tagged_policy(path: Path) -> Path:
    """A PDF/UA-1 page whose text and whose figure's Alt both name the phrase."""
    html = (
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
        "<title>Deployment guidance</title>"
        "<style>body { font-family: 'DejaVu Sans'; font-size: 11pt }</style></head><body>"
        "<main><h1>Deployment guidance</h1>"
        f"<p>Officers attending will use the {PHRASE} procedure at the door.</p>"
        f"<img alt='Map of the {PHRASE} route' src='data:image/png;base64,{PIXEL}'>"
        "</main></body></html>"
    )
    return write_pdf_ua(html, path)


@pytest.fixture(scope="module")
def policy_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("policy")
    upgrade(folder / "register.sqlite")
    return write_policy_documents(folder / "out", folder / "register.sqlite")


@pytest.mark.parametrize(
    "name", ["policy_redacted", "version_control_pdf", "recording_procedures_pdf"]
)
def test_published_policy_documents_are_tagged(
    policy_documents: dict[str, Path], name: str
) -> None:
    assert check_tagged_pdf(policy_documents[name]) == []


def test_the_redacted_policy_keeps_its_title_and_language(
    policy_documents: dict[str, Path],
) -> None:
    with pikepdf.open(policy_documents["policy_redacted"]) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Domestic Abuse Policy (illustrative) – Version 12.1"
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)


def test_an_untagged_pdf_fails_every_check(tmp_path: Path) -> None:
    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 100), "Plain text", fontname="helv")
        doc.save(tmp_path / "plain.pdf")
    assert check_tagged_pdf(tmp_path / "plain.pdf") == [
        "no structure tree (StructTreeRoot)",
        "MarkInfo Marked is not true",
        "no document language (Lang)",
        "no title in the document information",
        "ViewerPreferences DisplayDocTitle is not true",
        "no title in the XMP metadata",
        "no PDF/UA-1 identification (pdfuaid:part) in the XMP metadata",
        "page 1: 1 'TJ' outside tagged content and artifacts",
    ]


def test_a_figure_without_alt_and_untagged_drawing_are_reported(tmp_path: Path) -> None:
    html = (
        "<html lang='en-GB'><head><title>T</title></head><body>"
        f"<p>Text</p><img alt='' src='data:image/png;base64,{PIXEL}'></body></html>"
    )
    source = write_pdf_ua(html, tmp_path / "in.pdf")
    with pymupdf.open(source) as doc:  # a box drawn on top, outside any marked content
        doc[0].draw_rect(pymupdf.Rect(10, 10, 50, 50), fill=(0, 0, 0))
        doc.save(tmp_path / "drawn.pdf")
    assert check_tagged_pdf(source) == ["1 figure(s) without alternative text (Alt)"]
    assert check_tagged_pdf(tmp_path / "drawn.pdf") == [
        "page 1: 1 'B' outside tagged content and artifacts",
        "1 figure(s) without alternative text (Alt)",
    ]


def test_redaction_keeps_tags_title_language_and_redacts_alt_text(tmp_path: Path) -> None:
    source = tagged_policy(tmp_path / "in.pdf")
    assert check_tagged_pdf(source) == []

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", PHRASE, LABEL)])

    # Tagged, titled, in English, the label an artifact (else "outside tagged content").
    assert check_tagged_pdf(result.output) == []
    with pikepdf.open(result.output) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Deployment guidance"
        alts = [
            str(o.Alt) for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/Alt" in o
        ]
    assert alts == [f"Map of the [{LABEL}] route"]
    text = subprocess.run(
        ["pdftotext", str(result.output), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "ALBATROSS" not in text and "procedure at the door." in text


def test_the_proof_reads_the_structure_tree(tmp_path: Path) -> None:
    source = tagged_policy(tmp_path / "in.pdf")

    # Read as if it were a redacted output: the phrase is in the page text and in the Alt.
    findings = verify_pdf(source, [Rule("phrase", PHRASE, LABEL)], [], [])

    structure = [f for f in findings if f.kind == "structure tree"]
    assert [(f.where, f.detail) for f in structure] == [
        ("Figure Alt", "found 'ALBATROSS CORRIDOR'")
    ]


def test_a_regex_matching_only_alt_text_is_caught_by_the_structure_tree(tmp_path: Path) -> None:
    html = (
        "<html lang='en-GB'><head><title>T</title></head><body><p>Nothing here.</p>"
        f"<img alt='Call 020 7946 0018' src='data:image/png;base64,{PIXEL}'></body></html>"
    )
    source = write_pdf_ua(html, tmp_path / "in.pdf")
    rule = Rule("regex", r"\b0\d{2,4} ?\d{3,4} ?\d{4}\b", "s40(2)")
    findings = verify_pdf(source, [rule], [], [])
    assert [(f.kind, f.where) for f in findings] == [("structure tree", "Figure Alt")]
    # Redacting it replaces the number in the Alt; the result is proven.
    result = redact(source, tmp_path / "out.pdf", [rule])
    with pikepdf.open(result.output) as pdf:
        alts = [
            str(o.Alt) for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/Alt" in o
        ]
    assert alts == ["Call [s40(2)]"]


def test_untagged_sources_stay_redactable(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", f"<p>The {PHRASE} plan.</p>")
    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", PHRASE, LABEL)])
    # Nothing to keep: no structure tree appears from nowhere, and no title is invented.
    with pikepdf.open(result.output) as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/Title" not in pdf.docinfo
