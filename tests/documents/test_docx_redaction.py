"""DOCX redaction removes hidden content and redacted text, proved by unzipping every part.

The proof reads the package with zipfile and the standard library's XML parser, not with
python-docx or lxml, which wrote it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import docx
import pytest
from document_builders import SECRET

from foidesk.documents.hidden_content import inspect_docx
from foidesk.documents.redaction import redact
from foidesk.documents.rules import Rule, RuleError

LABEL = "s31(1)(a)"
HIDDEN = ["Kestrel", "informant", "Jane Smith", "RESTRICTED", "Nightjar", "Heron", "7946"]
RULES = [
    Rule("phrase", SECRET, LABEL),
    Rule("regex", r"\b0\d{2,4} ?\d{3,4} ?\d{4}\b", "s40(2)"),
    Rule("paragraphs", "5", LABEL),
]


def every_text(path: Path) -> str:
    """All the text and attribute values of every part, as a reader of the zip sees it."""
    pieces = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            try:
                root = ET.fromstring(data)
            except ET.ParseError:
                pieces.append(data.decode("latin-1"))
                continue
            for element in root.iter():
                pieces.append("".join(element.itertext()))
                pieces.extend(element.attrib.values())
    return "\n".join(pieces)


def test_the_fixture_hides_each_secret_where_the_reader_finds_it(briefing_docx: Path) -> None:
    kinds = {f.kind for f in inspect_docx(briefing_docx, HIDDEN)}
    assert {"comments", "header", "footer", "tracked deletion", "hidden text"} <= kinds
    found = {f.forbidden for f in inspect_docx(briefing_docx, HIDDEN) if f.forbidden}
    assert found == set(HIDDEN)


def test_redacted_docx_keeps_no_hidden_or_redacted_content(
    briefing_docx: Path, tmp_path: Path
) -> None:
    result = redact(briefing_docx, tmp_path / "out.docx", RULES)

    assert inspect_docx(result.output, HIDDEN) == []
    text = every_text(result.output).casefold()
    for secret in HIDDEN:
        assert secret.casefold() not in text
    with zipfile.ZipFile(result.output) as archive:
        names = set(archive.namelist())
    assert not any("comments" in n or "header" in n or "footer" in n for n in names)
    assert "docProps/custom.xml" not in names


def test_accepted_changes_and_labels_read_back_in_word_order(
    briefing_docx: Path, tmp_path: Path
) -> None:
    result = redact(briefing_docx, tmp_path / "out.docx", RULES)

    paragraphs = [p.text for p in docx.Document(result.output).paragraphs]
    assert paragraphs == [
        f"Deployment under  {LABEL}  begins at dawn.",
        "Keep this. New wording stays.",  # insertion accepted, deletion gone
        "Visible. ",  # the hidden run is removed, not unhidden
        "Call  s40(2)  today.",
        f" {LABEL} ",
    ]
    label_run = docx.Document(result.output).paragraphs[0].runs[1]
    assert label_run.font.color.rgb == docx.shared.RGBColor(0xFF, 0xFF, 0xFF)
    assert [(e.paragraph, e.label, e.text) for e in result.entries] == [
        (1, LABEL, SECRET),
        (4, "s40(2)", "020 7946 0018"),
        (5, LABEL, "This whole paragraph names the Heron observation post."),
    ]


def test_document_properties_are_emptied(briefing_docx: Path, tmp_path: Path) -> None:
    result = redact(briefing_docx, tmp_path / "out.docx", RULES)

    properties = docx.Document(result.output).core_properties
    assert (properties.author, properties.title, properties.comments) == ("", "", "")


def test_pdf_only_rules_are_refused_for_docx(briefing_docx: Path, tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="apply to PDFs"):
        redact(briefing_docx, tmp_path / "out.docx", [Rule("pages", "1", LABEL)])
    assert not (tmp_path / "out.docx").exists()


def test_alternative_text_of_a_picture_is_redacted(tmp_path: Path) -> None:
    import io

    import pymupdf

    document = docx.Document()
    document.add_paragraph("Site photograph:")
    png = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 20, 20), False).tobytes("png")
    document.add_picture(io.BytesIO(png))
    document.inline_shapes[0]._inline.docPr.set("descr", f"Entrance used by {SECRET}")
    document.save(tmp_path / "photo.docx")
    assert inspect_docx(tmp_path / "photo.docx", [SECRET])  # the reader sees the alt text

    result = redact(tmp_path / "photo.docx", tmp_path / "out.docx", [Rule("phrase", SECRET, LABEL)])

    assert inspect_docx(result.output, [SECRET]) == []
    assert docx.Document(result.output).inline_shapes[0]._inline.docPr.get("descr") == LABEL


def test_a_pattern_that_also_fits_the_label_is_not_a_leak(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Refused under s12 of the Act.")
    document.save(tmp_path / "letter.docx")

    # The rule removes "s12"; the label it prints, "s40(2)", fits the same pattern.
    result = redact(
        tmp_path / "letter.docx", tmp_path / "out.docx", [Rule("regex", r"\bs\d{2}\b", "s40(2)")]
    )

    assert docx.Document(result.output).paragraphs[0].text == "Refused under  s40(2)  of the Act."
