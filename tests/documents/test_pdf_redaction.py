"""PDF redaction removes the content, and an independent reader proves it.

Each test builds a PDF holding a secret in one of the places failed redactions leak
from, redacts it, and reads the result back with pdfminer.six, poppler's tools or the
raw bytes, never trusting the library that redacted it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pymupdf
import pytest
from document_builders import SECRET, html_pdf, text_image_pdf
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser

from foidesk.documents.redaction import RedactionFailed, redact
from foidesk.documents.rules import Rule
from foidesk.documents.verification import verify_pdf

LABEL = "s31(1)(a)"


def poppler_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squashed(text: str) -> str:
    """Text with all whitespace removed and case folded: a phrase cannot hide in spacing."""
    return "".join(text.split()).casefold()


def test_phrase_split_across_lines_and_runs_is_removed(tmp_path: Path) -> None:
    body = (
        "<p>The deployment is called <b>Opera</b>tion Night<i>jar</i> and it starts at dawn "
        "with a sentence long enough to wrap Operation Nightjar onto the next line.</p>"
    )
    source = html_pdf(tmp_path / "in.pdf", body, width="8cm")
    assert "Operation\nNightjar" in poppler_text(source)  # the hard case is really there

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", SECRET, LABEL)])

    for text in (extract_text(result.output), poppler_text(result.output)):
        assert "nightjar" not in squashed(text)
        assert "thedeploymentiscalled" in squashed(text)  # the rest of the text survives
        assert LABEL in text
    # Both occurrences wrap, and each line a phrase touches gets its own box.
    assert len(result.entries) == 4
    assert len({entry.box[1] for entry in result.entries}) == 4  # four different lines
    assert {entry.page for entry in result.entries} == {1}
    assert all(entry.label == LABEL for entry in result.entries)


def test_word_hyphenated_at_a_line_end_is_removed(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", "<p>Codename Night&shy;jar today.</p>", width="1.5cm")
    assert "Night\u2010\njar" in poppler_text(source)  # broken and hyphenated by the layout

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", "Nightjar", LABEL)])

    assert len(result.entries) == 2  # one box on each line
    for text in (extract_text(result.output), poppler_text(result.output)):
        assert "night" not in text.casefold() and "jar" not in text.casefold()
        assert "Codename" in text


def test_text_only_in_metadata_is_removed(tmp_path: Path) -> None:
    source = html_pdf(
        tmp_path / "in.pdf", "<p>A harmless page.</p>", title=f"{SECRET} plan", author="DS Smith"
    )
    with pymupdf.open(source) as doc:
        doc.set_xml_metadata(f"<x:xmpmeta xmlns:x='adobe:ns:meta/'>{SECRET}</x:xmpmeta>")
        doc.saveIncr()
    assert SECRET.encode() in source.read_bytes()

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", SECRET, LABEL)])

    assert result.entries == []  # nothing on the page matched
    with result.output.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        assert all(not info for info in document.info)  # no Title, no Author
        assert "Metadata" not in document.catalog
    raw = result.output.read_bytes()
    assert SECRET.encode() not in raw and b"DS Smith" not in raw


def test_pixels_of_an_image_under_the_box_are_blanked(tmp_path: Path) -> None:
    source = text_image_pdf(tmp_path / "in.pdf", "NIGHTJAR 0500")
    # The picture spans x 72-372, y 72-172; the box covers its left half.
    result = redact(source, tmp_path / "out.pdf", [Rule("area", "1:72,72,222,172", LABEL)])

    images = {}
    for name, path in (("before", source), ("after", result.output)):
        subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / name)], check=True)
        images[name] = pymupdf.Pixmap(str(tmp_path / f"{name}-000.png"))
    before, after = images["before"], images["after"]
    assert (before.width, before.height) == (after.width, after.height) == (300, 100)

    def colours(pixmap: pymupdf.Pixmap, xs: range) -> set[tuple[int, ...]]:
        return {pixmap.pixel(x, y) for x in xs for y in range(0, 100, 2)}

    left, right = range(0, 148, 2), range(152, 300, 2)
    assert len(colours(before, left)) > 2  # the text was drawn there
    assert colours(after, left) == {(255, 255, 255)}  # blanked
    assert colours(after, right) == colours(before, right)  # the rest of the picture kept
    assert before.samples != after.samples  # the image stream itself changed

    # Rendered by poppler, the box is black with the label printed inside it.
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", str(result.output), str(tmp_path / "page")], check=True
    )
    page = pymupdf.Pixmap(str(tmp_path / "page-1.png"))
    corner = page.pixel(76, 76)
    assert corner == (0, 0, 0)
    assert LABEL in extract_text(result.output)


def test_an_older_revision_from_an_incremental_update_does_not_survive(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", f"<p>Briefing on {SECRET}.</p>")
    with pymupdf.open(source) as doc:
        doc.set_metadata({"subject": "Kestrel safe house"})
        doc.save(tmp_path / "rev1.pdf")
    with pymupdf.open(tmp_path / "rev1.pdf") as doc:
        doc.set_metadata({"subject": "Quarterly briefing"})
        doc.saveIncr()
    updated = (tmp_path / "rev1.pdf").read_bytes()
    assert updated.count(b"%%EOF") == 2 and b"Kestrel safe house" in updated

    result = redact(tmp_path / "rev1.pdf", tmp_path / "out.pdf", [Rule("phrase", SECRET, LABEL)])

    raw = result.output.read_bytes()
    assert raw.count(b"%%EOF") == 1
    assert b"Kestrel" not in raw
    with pymupdf.open(result.output) as doc:
        inflated = b"".join(doc.xref_stream(x) or b"" for x in range(1, doc.xref_length()))
    assert b"Kestrel" not in inflated
    assert "nightjar" not in squashed(extract_text(result.output))


def test_annotations_attachments_javascript_and_hidden_text_are_removed(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", "<p>Public text.</p>")
    with pymupdf.open(source) as doc:
        page = doc[0]
        page.add_text_annot((300, 300), f"Note: {SECRET} lead")
        doc.embfile_add("plan.txt", f"{SECRET} full plan".encode(), filename="plan.txt")
        doc.set_toc([[1, f"{SECRET} section", 1]])
        page.insert_link(
            {
                "kind": pymupdf.LINK_URI,
                "from": pymupdf.Rect(72, 72, 200, 90),
                "uri": "https://x.example/nightjar",
            }
        )
        catalog = doc.pdf_catalog()
        doc.xref_set_key(catalog, "OpenAction", "<</S/JavaScript/JS(app.alert('Nightjar'))>>")
        page.insert_text((72, 500), "Kestrel hidden layer", render_mode=3)  # invisible text
        doc.saveIncr()
    assert "Kestrel hidden layer" in extract_text(source)
    # The independent reader sees all of it in the original ...
    kinds = {f.kind for f in verify_pdf(source, [Rule("phrase", SECRET, LABEL)], [], [])}
    assert {"javascript", "attachment", "revisions", "object"} <= kinds

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", SECRET, LABEL)])

    # ... and none of it in the redacted file.
    assert verify_pdf(result.output, [Rule("phrase", SECRET, LABEL)], ["Kestrel"], []) == []
    assert "Kestrel" not in extract_text(result.output)
    with pymupdf.open(result.output) as doc:
        assert doc.xref_get_key(doc.pdf_catalog(), "OpenAction") == ("null", "null")
        assert doc.embfile_count() == 0
        assert list(doc[0].annots()) == []
        assert doc[0].get_links() == []
        assert all("nightjar" not in title.casefold() for _, title, _ in doc.get_toc())
    assert b"nightjar" not in result.output.read_bytes().lower()


def test_page_range_removes_whole_pages(tmp_path: Path) -> None:
    body = "<p>Page one stays.</p><p style='break-before: page'>Page two names the Heron post.</p>"
    source = html_pdf(tmp_path / "in.pdf", body)

    result = redact(source, tmp_path / "out.pdf", [Rule("pages", "2", "s40(2)")])

    pages = poppler_text(result.output).split("\f")
    assert "Page one stays." in pages[0]
    assert "heron" not in squashed(pages[1]) and "s40(2)" in pages[1]
    assert (
        result.entries[0].page == 2 and result.entries[0].text == "Page two names the Heron post."
    )


def test_log_goes_beside_the_output_and_records_each_box(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", "<p>Call 020 7946 0018 about Operation Nightjar.</p>")
    rules = [
        Rule("phrase", SECRET, LABEL, "Tactical detail"),
        Rule("regex", r"\b0\d{2,4} ?\d{3,4} ?\d{4}\b", "s40(2)"),
    ]

    result = redact(source, tmp_path / "published" / "out.pdf", rules)

    assert result.log_json == tmp_path / "published" / "out.redaction-log.json"
    log = json.loads(result.log_json.read_text())
    assert [(e["label"], e["text"], e["page"]) for e in log] == [
        (LABEL, SECRET, 1),
        ("s40(2)", "020 7946 0018", 1),
    ]
    assert log[0]["reason"] == "Tactical detail"
    assert log[1]["reason"] == "Personal information"  # from the exemption catalogue
    assert "020 7946 0018" not in extract_text(result.output)
    assert result.log_csv.read_text().splitlines()[0].startswith("page,paragraph,part,label")


def test_failed_verification_writes_nothing(tmp_path: Path) -> None:
    # The box covers the first "Kestrel" only; the second stays on the page, so the text
    # the box removed can still be read and the redaction must fail.
    body = "<p style='margin:0'>Kestrel</p><p>The Kestrel post is staffed.</p>"
    source = html_pdf(tmp_path / "in.pdf", body)
    out = tmp_path / "published" / "out.pdf"

    with pymupdf.open(source) as doc:
        first = doc[0].search_for("Kestrel")[0]
    area = f"1:{first.x0 - 2},{first.y0 - 1},{first.x1 + 2},{first.y1 + 1}"

    with pytest.raises(RedactionFailed) as failure:
        redact(source, out, [Rule("area", area, LABEL)])

    assert any(f.forbidden == "Kestrel" for f in failure.value.findings)
    assert not out.parent.exists()  # no file, no temporary file, no log, not even the folder


def test_a_phrase_broken_across_a_page_break_is_removed_from_both_pages(tmp_path: Path) -> None:
    body = "<p>The plan is called Operation</p><p style='break-before: page'>Nightjar today.</p>"
    source = html_pdf(tmp_path / "in.pdf", body)

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", SECRET, LABEL)])

    assert [e.page for e in result.entries] == [1, 2]
    pages = poppler_text(result.output).split("\f")
    assert "Operation" not in pages[0] and "The plan is called" in pages[0]
    assert "Nightjar" not in pages[1] and "today." in pages[1]
