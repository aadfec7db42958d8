"""Redaction of PDF files with PyMuPDF: find, box, remove, scrub and rewrite.

Text rules are matched against the characters PyMuPDF extracts, so a phrase split across
text runs or lines is still one match; each line of a match gets its own box. Applying a
box removes the text under it, blanks the image pixels under it and removes line art it
covers. The whole document is then scrubbed (metadata, XMP, annotations, links,
attachments, embedded files, JavaScript, hidden text, form fields, thumbnails) and saved
as a full rewrite with garbage collection, so no earlier revision survives.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pymupdf

from foidesk.documents.redaction_log import RedactionEntry
from foidesk.documents.rules import Rule, RuleError, phrase_pattern
from foidesk.progress import ProgressCallback

LABEL_FONT = "helv"
LABEL_RESOURCE = "FoideskLabel"
LABEL_MAX_SIZE = 9.0
BLACK = (0.0, 0.0, 0.0)
WHITE = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class PdfBox:
    """A box as the verifier needs it: page (0-based), PDF user-space rect, label."""

    page: int
    rect: tuple[float, float, float, float]
    label: str


@dataclass
class PdfRedaction:
    """What a PDF redaction did and what the verifier must find absent."""

    entries: list[RedactionEntry] = field(default_factory=list)
    boxes: list[PdfBox] = field(default_factory=list)
    removed_texts: list[str] = field(default_factory=list)


# Where a character sits: its rectangle, its line (numbered through the whole document)
# and its page (0-based); None for the line and page breaks put between them.
Place = tuple[pymupdf.Rect, int, int] | None


def _page_characters(page: pymupdf.Page, first_line: int = 0) -> tuple[str, list[Place]]:
    """The page's text with the place of every character, lines numbered from ``first_line``."""
    text: list[str] = []
    places: list[Place] = []
    line_number = first_line
    # Ligatures come back as their letters (one box for "f" and "i"), so "find" matches.
    flags = pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_LIGATURES
    raw = page.get_text("rawdict", flags=flags)
    for block in raw["blocks"]:
        if block.get("type") != 0:
            continue
        for line in block["lines"]:
            for span in line["spans"]:
                for char in span["chars"]:
                    text.append(char["c"])
                    places.append((pymupdf.Rect(char["bbox"]), line_number, page.number))
            text.append("\n")
            places.append(None)
            line_number += 1
    return "".join(text), places


def _document_characters(doc: pymupdf.Document) -> tuple[str, list[Place]]:
    """All pages' text in order, so a phrase running over a page break is one match."""
    texts: list[str] = []
    places: list[Place] = []
    for page in doc:
        text, page_places = _page_characters(page, first_line=len(places))
        texts.append(text + "\n")
        places.extend([*page_places, None])
    return "".join(texts), places


def _match_rects(places: list[Place], start: int, end: int) -> list[tuple[int, pymupdf.Rect]]:
    """(page, rectangle) for each line covered by characters ``start`` to ``end``.

    A rectangle stops where the character just before or after the match begins, so a
    neighbour drawn close (tight spacing, a bracket, a full stop) is not taken with it.
    """
    by_line: dict[int, tuple[int, pymupdf.Rect]] = {}
    for place in places[start:end]:
        if place is None or place[0].is_empty:
            continue
        rect, line, page = place
        if line in by_line:
            by_line[line] = (page, by_line[line][1] | rect)
        else:
            by_line[line] = (page, pymupdf.Rect(rect))
    before = places[start - 1] if start > 0 else None
    after = places[end] if end < len(places) else None
    if before is not None and before[1] in by_line:
        box = by_line[before[1]][1]
        if before[0].x1 < box.x1:
            box.x0 = max(box.x0, before[0].x1)
    if after is not None and after[1] in by_line:
        box = by_line[after[1]][1]
        if after[0].x0 > box.x0:
            box.x1 = min(box.x1, after[0].x0)
    return list(by_line.values())


def _label_size(label: str, rect: pymupdf.Rect) -> float:
    """The largest font size (up to 9pt) at which ``label`` fits inside ``rect``.

    PyMuPDF leaves the label out of a box it does not fit, line height included.
    """
    font = pymupdf.Font(LABEL_FONT)
    width_at_one = font.text_length(label, fontsize=1)
    line_at_one = font.ascender - font.descender
    size = min(LABEL_MAX_SIZE, 0.95 * rect.height / line_at_one, 0.92 * rect.width / width_at_one)
    return max(size, 1.0)


def _draw_boxes(page: pymupdf.Page, boxes: list[tuple[pymupdf.Rect, str]]) -> None:
    """Black boxes with their labels in white, in one content stream marked as an artifact.

    The label's font is embedded (PDF/UA allows no other) and centred in the box; the
    words it stands for were removed, so to assistive technology it is layout, not text.
    """
    if not boxes:
        return
    font = pymupdf.Font(LABEL_FONT)
    page.insert_font(fontname=LABEL_RESOURCE, fontbuffer=font.buffer)
    shape = page.new_shape()
    for rect, label in boxes:
        shape.draw_rect(rect)
        shape.finish(fill=BLACK, color=BLACK, width=0)
        size = _label_size(label, rect)
        width = font.text_length(label, fontsize=size)
        baseline = (rect.y0 + rect.y1) / 2 + (font.ascender + font.descender) / 2 * size
        shape.insert_text(
            ((rect.x0 + rect.x1 - width) / 2, baseline),
            label,
            fontname=LABEL_RESOURCE,
            fontsize=size,
            color=WHITE,
        )
    shape.commit()
    xref = page.get_contents()[-1]
    content = page.parent.xref_stream(xref)
    page.parent.update_stream(xref, b"/Artifact BMC\n" + content + b"\nEMC\n")


def _pdf_space(page: pymupdf.Page, rect: pymupdf.Rect) -> tuple[float, float, float, float]:
    box = rect * ~page.transformation_matrix
    box.normalize()
    return (box.x0, box.y0, box.x1, box.y1)


def _text_in(page: pymupdf.Page, rect: pymupdf.Rect) -> str:
    """The text whose characters lie inside ``rect`` (what an area or page box removes)."""
    text, places = _page_characters(page)
    inside = []
    for char, place in zip(text, places, strict=True):
        if place is None:
            inside.append("\n")
            continue
        box = place[0]
        if rect.contains(pymupdf.Point((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)):
            inside.append(char)
    return re.sub(r"\s+", " ", "".join(inside)).strip()


def _locate(doc: pymupdf.Document, rules: list[Rule]) -> list[tuple[int, pymupdf.Rect, Rule, str]]:
    """Every box the rules call for: (page index, rect, rule, text under it)."""
    found: list[tuple[int, pymupdf.Rect, Rule, str]] = []
    document: tuple[str, list[Place]] | None = None
    for rule in rules:
        if rule.kind == "paragraphs":
            raise RuleError("paragraph ranges apply to DOCX files; use --pages or --area for a PDF")
        if rule.kind in ("phrase", "regex"):
            document = document or _document_characters(doc)
            text, places = document
            for match in rule.pattern().finditer(text):
                if not match.group().strip():
                    continue
                matched = re.sub(r"\s+", " ", match.group()).strip()
                found.extend(
                    (page, rect, rule, matched)
                    for page, rect in _match_rects(places, match.start(), match.end())
                )
        elif rule.kind == "pages":
            for number in rule.numbers():
                if number > doc.page_count:
                    raise RuleError(
                        f"pages {rule.value!r}: the document has {doc.page_count} pages"
                    )
                page = doc[number - 1]
                found.append((number - 1, page.rect, rule, _text_in(page, page.rect)))
        elif rule.kind == "area":
            number, coords = rule.area()
            if number > doc.page_count:
                raise RuleError(f"area {rule.value!r}: the document has {doc.page_count} pages")
            page = doc[number - 1]
            rect = pymupdf.Rect(coords) & page.rect
            if rect.is_empty:
                raise RuleError(f"area {rule.value!r} lies outside page {number} ({page.rect})")
            found.append((number - 1, rect, rule, _text_in(page, rect)))
    return found


def _scrub_outline(doc: pymupdf.Document, rules: list[Rule]) -> None:
    """Bookmark titles are text too: a title a rule matches becomes the rule's label."""
    toc = doc.get_toc(simple=True)
    text_rules = [r for r in rules if r.kind in ("phrase", "regex")]
    changed = False
    for entry in toc:
        for rule in text_rules:
            if rule.pattern().search(entry[1]):
                entry[1] = f"[{rule.label}]"
                changed = True
    if changed:
        doc.set_toc(toc)


def _code_width(font: pikepdf.Object | None) -> int | None:
    """Bytes per character code of ``font``: 1 for simple fonts, 2 for Identity-H/V CID
    fonts, None when the encoding is a CMap of variable width (left as it is)."""
    if not isinstance(font, pikepdf.Dictionary):
        return None
    if font.get("/Subtype") != pikepdf.Name.Type0:
        return 1
    encoding = font.get("/Encoding")
    if encoding in (pikepdf.Name("/Identity-H"), pikepdf.Name("/Identity-V")):
        return 2
    return None


def _separate_codes(stream: pikepdf.Object, resources: pikepdf.Object, seen: set) -> bytes:
    """The content of ``stream`` with every string of a TJ array cut into one string per
    character code, so a glyph removed from the middle of a string becomes the start of
    its own string; forms it draws are cut the same way (each once)."""
    fonts = resources.get("/Font", {}) if isinstance(resources, pikepdf.Dictionary) else {}
    forms = resources.get("/XObject", {}) if isinstance(resources, pikepdf.Dictionary) else {}
    width: int | None = None
    stack: list[int | None] = []
    instructions = []
    for instruction in pikepdf.parse_content_stream(stream):
        operator = str(instruction.operator) if hasattr(instruction, "operator") else ""
        if operator == "q":
            stack.append(width)
        elif operator == "Q" and stack:
            width = stack.pop()
        elif operator == "Tf":
            width = _code_width(fonts.get(str(instruction.operands[0])))
        elif operator == "Do":
            form = forms.get(str(instruction.operands[0]))
            if (
                isinstance(form, pikepdf.Stream)
                and form.get("/Subtype") == pikepdf.Name.Form
                and form.objgen not in seen
            ):
                seen.add(form.objgen)
                form.write(_separate_codes(form, form.get("/Resources", resources), seen))
        elif operator == "TJ" and width:
            parts: list = []
            for item in instruction.operands[0]:
                if isinstance(item, pikepdf.String):
                    raw = bytes(item)
                    parts += [pikepdf.String(raw[i : i + width]) for i in range(0, len(raw), width)]
                else:
                    parts.append(item)
            instruction = pikepdf.ContentStreamInstruction(
                [pikepdf.Array(parts)], pikepdf.Operator("TJ")
            )
        instructions.append(instruction)
    return pikepdf.unparse_content_stream(instructions)


def _separated(data: bytes, pages: set[int]) -> bytes:
    """``data`` with the text of ``pages`` cut into one string per character code.

    MuPDF's redaction loses the advance of the first glyph it removes from the middle of
    a string in a TJ array, so the rest of the line slides left under the box (PyMuPDF
    writes each line with ``insert_text`` as one such string). Removing whole strings
    keeps every other glyph where it was. Nothing visible changes.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        seen: set = set()
        for number in sorted(pages):
            page = pdf.pages[number]
            page.contents_coalesce()
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            page.obj.Contents.write(_separate_codes(page.obj.Contents, resources, seen))
        buffer = io.BytesIO()
        pdf.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Tagging:
    """What makes the source accessible and must survive the scrub: its title, language,
    whether it is tagged and whether it claims PDF/UA-1."""

    title: str
    lang: str
    marked: bool
    pdf_ua: bool

    @classmethod
    def of(cls, data: bytes) -> Tagging:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            title = str(pdf.docinfo.get("/Title", ""))
            with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
                title = title or str(xmp.get("dc:title", ""))
                pdf_ua = str(xmp.get("pdfuaid:part", "")) == "1"
            mark_info = pdf.Root.get("/MarkInfo")
            marked = isinstance(mark_info, pikepdf.Dictionary) and bool(mark_info.get("/Marked"))
            return cls(title.strip(), str(pdf.Root.get("/Lang", "")), marked, pdf_ua)


# Structure element entries that hold text a reader hears: alternative text, replacement
# text, an abbreviation's expansion and a title.
STRUCTURE_TEXT_KEYS = ("/Alt", "/ActualText", "/E", "/T")


def _withheld(text: str, redactions: list[tuple[re.Pattern[str], str]]) -> str:
    """``text`` with every withheld string replaced by its label in brackets."""
    for pattern, label in redactions:
        text = pattern.sub(f"[{label}]", text)
    return text


def _tag_again(
    target: Path, tagging: Tagging, redactions: list[tuple[re.Pattern[str], str]]
) -> None:
    """Put back the title, language and PDF/UA identification the scrub removed, and redact
    the structure tree's texts (a figure's Alt can name what its picture showed)."""
    with pikepdf.open(target, allow_overwriting_input=True) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or "/S" not in obj:
                continue
            for key in STRUCTURE_TEXT_KEYS:
                value = obj.get(key)
                if isinstance(value, pikepdf.String):
                    cleaned = _withheld(str(value), redactions)
                    if cleaned != str(value):
                        obj[key] = pikepdf.String(cleaned)
        if tagging.lang and "/Lang" not in pdf.Root:
            pdf.Root.Lang = pikepdf.String(tagging.lang)
        # An untagged source keeps no metadata at all; a tagged one gets its title back,
        # which assistive technology announces in place of the file name.
        if tagging.marked or tagging.pdf_ua:
            pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
            title = _withheld(tagging.title, redactions)
            if title:
                pdf.docinfo["/Title"] = pikepdf.String(title)
                pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
            if title or tagging.pdf_ua:
                with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
                    if title:
                        xmp["dc:title"] = title
                    if tagging.pdf_ua:
                        xmp["pdfuaid:part"] = "1"
        pdf.save(target)


def _remove_actions(doc: pymupdf.Document) -> None:
    """Drop document and page actions: scripts can run, and carry text, from there."""
    catalog = doc.pdf_catalog()
    for key in ("OpenAction", "AA"):
        doc.xref_set_key(catalog, key, "null")
    names = doc.xref_get_key(catalog, "Names")
    if names[0] == "xref":
        doc.xref_set_key(int(names[1].split()[0]), "JavaScript", "null")
    elif names[0] == "dict":
        doc.xref_set_key(catalog, "Names/JavaScript", "null")
    for page in doc:
        doc.xref_set_key(page.xref, "AA", "null")


def redact_pdf(
    source: Path, target: Path, rules: list[Rule], progress: ProgressCallback | None = None
) -> PdfRedaction:
    """Redact ``source`` into ``target`` (a full rewrite); the caller verifies ``target``.

    ``progress("redacting", done, total)`` is called after each page.
    """
    result = PdfRedaction()
    data = Path(source).read_bytes()
    try:
        opened = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError) as error:
        raise RuleError(f"{source}: not a readable PDF ({error})") from error
    with opened as doc:
        if doc.needs_pass:
            raise RuleError(f"{source}: the PDF is encrypted; decrypt it before redacting")
        if not doc.is_pdf:
            raise RuleError(f"{source}: not a PDF")
        found = _locate(doc, rules)
    tagging = Tagging.of(data)
    if found:
        data = _separated(data, {index for index, _, _, _ in found})
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        for index, rect, rule, text in found:
            page = doc[index]
            # No fill and no text: the box and its label are drawn afterwards, as one
            # artifact, so the page stays fully tagged.
            page.add_redact_annot(rect, fill=False, cross_out=False)
            result.boxes.append(PdfBox(index, _pdf_space(page, rect), rule.label))
            result.entries.append(
                RedactionEntry(
                    label=rule.label,
                    reason=rule.reason,
                    rule=rule.describe(),
                    text=text,
                    page=index + 1,
                    box=(
                        round(rect.x0, 2),
                        round(rect.y0, 2),
                        round(rect.x1, 2),
                        round(rect.y1, 2),
                    ),
                )
            )
            if text:
                result.removed_texts.append(text)
        for page in doc:
            # Other annotations and form fields can carry text of their own.
            others = [a.xref for a in page.annots() if a.type[0] != pymupdf.PDF_ANNOT_REDACT]
            for xref in others:
                page.delete_annot(page.load_annot(xref))
            for widget in list(page.widgets()):
                page.delete_widget(widget)
            page.apply_redactions(
                images=pymupdf.PDF_REDACT_IMAGE_PIXELS,
                graphics=pymupdf.PDF_REDACT_LINE_ART_REMOVE_IF_COVERED,
                text=pymupdf.PDF_REDACT_TEXT_REMOVE,
            )
            _draw_boxes(
                page, [(rect, rule.label) for i, rect, rule, _ in found if i == page.number]
            )
            if progress:
                progress("redacting", page.number + 1, doc.page_count)
        _scrub_outline(doc, rules)
        doc.scrub(
            attached_files=True,
            clean_pages=True,
            embedded_files=True,
            hidden_text=True,
            javascript=True,
            metadata=True,
            redactions=True,
            redact_images=pymupdf.PDF_REDACT_IMAGE_PIXELS,
            remove_links=True,
            reset_fields=True,
            reset_responses=True,
            thumbnails=True,
            xml_metadata=True,
        )
        doc.set_metadata({})
        doc.del_xml_metadata()
        _remove_actions(doc)
        doc.save(target, garbage=4, deflate=True, clean=True, incremental=False)
    # Every phrase and expression, found on a page or not (Alt text is not page text), and
    # the text under every page and area box.
    redactions = [(r.pattern(), r.label) for r in rules if r.kind in ("phrase", "regex")]
    redactions += [
        (phrase_pattern(text), rule.label)
        for _, _, rule, text in found
        if rule.kind in ("pages", "area") and text
    ]
    _tag_again(target, tagging, redactions)
    return result
