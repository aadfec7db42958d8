"""An ordinary sentence redacted with a label succeeds, is proven, and the text around the
box stays exactly where it was.

Text written by PyMuPDF's ``insert_text`` is one string in a ``TJ`` array; MuPDF's redaction
used to lose the advance of the first glyph it removed from the middle of such a string,
so the rest of the line slid left under the box (and verification rightly refused to
write the file). Each test reads the result with pdfminer.six and poppler, never with
PyMuPDF, and compares the position of every surviving character with the original.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pymupdf
import pytest
from document_builders import html_pdf
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.documents.redaction import redact
from foidesk.documents.rules import Rule

LABEL = "s31(1)(a)"
PHRASE = "ALBATROSS CORRIDOR"
SENTENCE = "Officers attending will use the ALBATROSS CORRIDOR procedure at the door."
NARROW = Path("/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf")


def written_pdf(path: Path, lines: list[str], *, font: str = "helv", size: float = 11) -> Path:
    """A page with ``lines`` written by PyMuPDF's insert_text from x = 72 (one TJ each)."""
    with pymupdf.open() as doc:
        page = doc.new_page()
        options: dict = {"fontname": font, "fontsize": size}
        if font == "narrow":
            options["fontfile"] = str(NARROW)
        for number, line in enumerate(lines):
            page.insert_text((72, 100 + number * 2 * size), line, **options)
        doc.save(path)
    return path


def characters(path: Path) -> list[tuple[str, float, float]]:
    """(character, x0, y0) of every glyph pdfminer.six reads, in reading order per page."""
    found: list[tuple[str, float, float]] = []

    def walk(item: object) -> None:
        if isinstance(item, LTChar):
            found.append((item.get_text(), round(item.x0, 2), round(item.y0, 2)))
        elif hasattr(item, "__iter__"):
            for child in item:  # type: ignore[attr-defined]
                walk(child)

    for page in extract_pages(path):
        walk(page)
    return found


def poppler_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_kept_in_place(source: Path, output: Path, removed: str) -> None:
    """Every glyph of ``source`` that is not part of ``removed`` (or a label) is still there,
    at the same position to a twentieth of a point (MuPDF rounds what it rewrites)."""
    # Compared without spaces: some fonts draw a space as a glyph, others as a gap.
    before = [glyph for glyph in characters(source) if glyph[0].strip()]
    after = characters(output)
    text = "".join(c for c, _, _ in before)
    target = "".join(removed.split())
    hidden: set[int] = set()
    start = text.find(target)
    while start >= 0:
        hidden.update(range(start, start + len(target)))
        start = text.find(target, start + 1)
    kept = [glyph for i, glyph in enumerate(before) if i not in hidden]
    moved = [
        (c, x, y)
        for c, x, y in kept
        if not any(c == d and abs(x - u) <= 0.05 and abs(y - v) <= 0.05 for d, u, v in after)
    ]
    assert not moved, f"moved or lost: {moved[:5]}"


def test_the_issue_sentence_in_helvetica_redacts_from_the_command_line(tmp_path: Path) -> None:
    source = written_pdf(tmp_path / "in.pdf", [SENTENCE])
    out = tmp_path / "out.pdf"

    result = CliRunner().invoke(
        app, ["redact", str(source), "--out", str(out), "--phrase", PHRASE, "--label", LABEL]
    )

    assert result.exit_code == 0, result.output
    assert "1 redactions, verified by pdfminer.six and pdftotext" in result.output
    text = poppler_text(out)
    assert "ALBATROSS" not in text and "CORRIDOR" not in text
    assert "procedure at the door." in text and LABEL in text
    assert_kept_in_place(source, out, PHRASE)


# Where the phrase sits: closely followed by a word, at the end of a line, before
# punctuation (a comma, a full stop, a closing bracket), and as a whole line.
PLACES = {
    "followed by a word": [SENTENCE],
    "at a line end": ["Officers attending will use the ALBATROSS CORRIDOR", "procedure next."],
    "before a comma": ["Use the ALBATROSS CORRIDOR, then the door."],
    "before a full stop": ["The procedure is ALBATROSS CORRIDOR. Then the door."],
    "in brackets": ["The procedure (ALBATROSS CORRIDOR) is used at the door."],
    "a whole line": ["Before it.", "ALBATROSS CORRIDOR", "After it."],
}
# Helvetica and Times (standard fonts, not embedded), Courier, and Liberation Sans Narrow
# embedded, small: the narrower the glyphs, the closer the neighbours sit to the box.
FONTS = [("helv", 11), ("tiro", 11), ("cour", 9), ("narrow", 11), ("narrow", 6)]


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize(("font", "size"), FONTS)
def test_phrase_next_to_other_text_is_removed_and_the_rest_stays(
    tmp_path: Path, place: str, font: str, size: float
) -> None:
    source = written_pdf(tmp_path / "in.pdf", PLACES[place], font=font, size=size)

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", PHRASE, LABEL)])

    assert [entry.text for entry in result.entries] == [PHRASE]
    text = poppler_text(result.output)
    assert "ALBATROSS" not in text and "CORRIDOR" not in text
    assert LABEL in text
    assert_kept_in_place(source, result.output, PHRASE)


def test_narrow_font_laid_out_by_weasyprint_with_tight_spacing(tmp_path: Path) -> None:
    body = (
        "<p style=\"font-family: 'Liberation Sans Narrow'; font-size: 8pt; "
        'letter-spacing: -0.3pt">Officers use the ALBATROSS CORRIDOR.procedure, '
        "then (ALBATROSS CORRIDOR)door and ALBATROSS CORRIDORS are different.</p>"
    )
    source = html_pdf(tmp_path / "in.pdf", body)

    result = redact(source, tmp_path / "out.pdf", [Rule("phrase", PHRASE, LABEL)])

    # Whole words only: "CORRIDORS" is another word and stays.
    assert len(result.entries) == 2
    text = poppler_text(result.output)
    assert "CORRIDORS" in text and text.count("CORRIDOR") == 1
    assert_kept_in_place(source, result.output, PHRASE)
