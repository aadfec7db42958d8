"""Proof that a redacted file holds none of what was redacted, by independent readers.

A PDF is re-read with pdfminer.six (and poppler's ``pdftotext`` as a second opinion when
installed), never with PyMuPDF, which redacted it. The checks:

* the text of every page, matched against every phrase and regular expression and every
  string removed by a page or area box, whatever the spacing or line breaks;
* the characters inside each box, which may only spell the box's exemption label;
* the structure tree of a tagged PDF: every element's alternative text (``/Alt``),
  replacement text (``/ActualText``), expansion (``/E``) and title (``/T``), which
  assistive technology reads aloud, for every phrase, regular expression and removed
  string;
* every object other than page content, fonts and images (metadata, XMP, annotations,
  attachments, JavaScript, bookmarks, form fields) for the same strings;
* the file has a single revision, so no incremental update keeps an older copy.

DOCX packages are checked part by part by :mod:`foidesk.documents.hidden_content`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTPage, LTTextContainer
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from foidesk.documents.pdf import PdfBox
from foidesk.documents.rules import Rule, phrase_pattern
from foidesk.progress import ProgressCallback


@dataclass(frozen=True)
class Finding:
    """Something a reader found that should not be there."""

    part: str
    where: str
    kind: str
    detail: str
    forbidden: str | None = None


def forbidden_patterns(
    rules: list[Rule], removed_texts: list[str]
) -> list[tuple[str, re.Pattern[str]]]:
    """(name, pattern) for every rule's text and every removed string."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for rule in rules:
        if rule.kind in ("phrase", "regex"):
            patterns.append((rule.describe(), rule.pattern()))
    seen: set[str] = set()
    for text in removed_texts:
        key = re.sub(r"\s+", " ", text).strip().casefold()
        if key and key not in seen:
            seen.add(key)
            patterns.append((text, phrase_pattern(text)))
    return patterns


def _exact_patterns(
    rules: list[Rule], removed_texts: list[str]
) -> list[tuple[str, re.Pattern[str]]]:
    """Patterns safe to run over raw object data: phrases and removed strings, not free regexes."""
    phrases = [r.value for r in rules if r.kind == "phrase"]
    return forbidden_patterns([], phrases + removed_texts)


def without_labels(text: str, labels: set[str]) -> str:
    """``text`` with the labels printed in redaction boxes blotted out: they are ours."""
    for label in sorted(labels, key=len, reverse=True):
        text = re.sub(r"\s*".join(map(re.escape, label.replace(" ", ""))), " \u2588 ", text)
    return text


def _search(
    text: str, patterns: list[tuple[str, re.Pattern[str]]], part: str, where: str, kind: str
) -> list[Finding]:
    # Compatibility forms (ligatures, full-width letters) read as the letters they show.
    text = unicodedata.normalize("NFKC", text)
    findings = []
    for name, pattern in patterns:
        match = pattern.search(text)
        if match:
            findings.append(Finding(part, where, kind, f"found {match.group()!r}", name))
    return findings


def _inside(char: LTChar, box: tuple[float, float, float, float]) -> bool:
    x = (char.x0 + char.x1) / 2
    y = (char.y0 + char.y1) / 2
    # A point of slack so a neighbouring glyph touching the edge does not count.
    return box[0] + 1 < x < box[2] - 1 and box[1] + 1 < y < box[3] - 1


def _chars(item: object) -> list[LTChar]:
    if isinstance(item, LTChar):
        return [item]
    found: list[LTChar] = []
    if hasattr(item, "__iter__"):
        for child in item:  # type: ignore[attr-defined]
            found.extend(_chars(child))
    return found


def _pdfminer_pages(
    path: Path, progress: ProgressCallback | None
) -> list[tuple[str, list[LTChar]]]:
    pages = []
    total = _page_count(path) if progress else 0
    for layout in extract_pages(path):
        assert isinstance(layout, LTPage)
        text = "\n".join(el.get_text() for el in layout if isinstance(el, LTTextContainer))
        pages.append((text, _chars(layout)))
        if progress:
            progress("verifying", len(pages), total)
    return pages


def pdf_readers() -> tuple[str, ...]:
    """The independent readers that check a redacted PDF on this machine."""
    return ("pdfminer.six", "pdftotext") if shutil.which("pdftotext") else ("pdfminer.six",)


def _pdftotext_pages(path: Path) -> list[str] | None:
    """poppler's reading of the text, page by page, or None when it is not installed."""
    binary = shutil.which("pdftotext")
    if binary is None:
        return None
    done = subprocess.run(
        [binary, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8", errors="replace").split("\f")


def _strings(value: object, depth: int = 0) -> list[str]:
    """Every string inside a PDF object (dictionaries, arrays, names), decoded."""
    if depth > 20:
        return []
    if isinstance(value, bytes):
        return [decode_text(value)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, PSLiteral):
        return [str(value.name)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def _skipped_streams(document: PDFDocument) -> set[int]:
    """Objects whose text only the page readers can see: content streams, fonts, images."""
    skipped: set[int] = set()
    for objid in _object_ids(document):
        try:
            obj = document.getobj(objid)
        except Exception:  # noqa: BLE001 - a damaged object is scanned as raw bytes later
            continue
        if isinstance(obj, dict):
            for key in ("Contents", "FontFile", "FontFile2", "FontFile3"):
                ref = obj.get(key)
                refs = ref if isinstance(ref, list) else [ref]
                skipped.update(r.objid for r in refs if isinstance(r, PDFObjRef))
        if isinstance(obj, PDFStream):
            subtype = obj.attrs.get("Subtype")
            if isinstance(subtype, PSLiteral) and subtype.name in ("Image", "Form"):
                skipped.add(objid)
    return skipped


def _object_ids(document: PDFDocument) -> list[int]:
    ids: set[int] = set()
    for xref in document.xrefs:
        ids.update(xref.get_objids())
    return sorted(ids)


def _active_content(part: str, objid: int, value: object, depth: int = 0) -> list[Finding]:
    """Scripts and attached files, which must not survive whatever they contain."""
    where = f"object {objid}"
    if isinstance(value, list) and depth < 20:
        return [f for item in value for f in _active_content(part, objid, item, depth + 1)]
    if not isinstance(value, dict) or depth >= 20:
        return []
    kind = value.get("S") or value.get("Type")
    name = kind.name if isinstance(kind, PSLiteral) else ""
    if "JS" in value or name == "JavaScript":
        return [Finding(part, where, "javascript", "a JavaScript action")]
    if name in ("EmbeddedFile", "Filespec"):
        return [Finding(part, where, "attachment", "an embedded file")]
    return [f for item in value.values() for f in _active_content(part, objid, item, depth + 1)]


def _scan_objects(path: Path, patterns: list[tuple[str, re.Pattern[str]]]) -> list[Finding]:
    findings: list[Finding] = []
    with path.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        texts = _strings(resolve1(document.catalog)) + [
            s for info in document.info for s in _strings(info)
        ]
        findings.extend(_search("\n".join(texts), patterns, path.name, "catalog/info", "metadata"))
        skipped = _skipped_streams(document)
        for objid in _object_ids(document):
            try:
                obj = document.getobj(objid)
            except Exception:  # noqa: BLE001 - unreadable objects cannot hide text from the raw scan
                continue
            attributes = obj.attrs if isinstance(obj, PDFStream) else obj
            findings.extend(_active_content(path.name, objid, attributes))
            if isinstance(obj, PDFStream):
                texts = _strings(obj.attrs)
                if objid not in skipped:
                    try:
                        texts.append(obj.get_data().decode("latin-1"))
                    except Exception:  # noqa: BLE001 - an undecodable filter leaves raw bytes
                        texts.append((obj.rawdata or b"").decode("latin-1"))
            else:
                texts = _strings(obj)
            findings.extend(
                _search("\n".join(texts), patterns, path.name, f"object {objid}", "object")
            )
    return findings


STRUCTURE_TEXT_KEYS = ("Alt", "ActualText", "E", "T")


def _structure_texts(node: object, seen: set[int], depth: int = 0) -> list[tuple[str, str]]:
    """(element type, text) for every text a structure element gives assistive technology."""
    if depth > 200:
        return []
    if isinstance(node, PDFObjRef):
        if node.objid in seen:
            return []
        seen.add(node.objid)
        node = resolve1(node)
    if isinstance(node, list):
        return [t for child in node for t in _structure_texts(child, seen, depth + 1)]
    if not isinstance(node, dict):
        return []
    kind = node.get("S")
    name = kind.name if isinstance(kind, PSLiteral) else "element"
    found = [
        (f"{name} {key}", decode_text(value))
        for key in STRUCTURE_TEXT_KEYS
        if isinstance(value := resolve1(node.get(key)), bytes)
    ]
    return found + _structure_texts(node.get("K"), seen, depth + 1)


def _scan_structure_tree(path: Path, patterns: list[tuple[str, re.Pattern[str]]]) -> list[Finding]:
    """The structure tree's texts, searched like page text (regular expressions too)."""
    with path.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        root = resolve1(document.catalog).get("StructTreeRoot")
        texts = _structure_texts(resolve1(root), set()) if root is not None else []
    findings: list[Finding] = []
    for where, text in texts:
        findings.extend(_search(text, patterns, path.name, where, "structure tree"))
    return findings


def _page_count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(handle))))


def verify_pdf(
    path: Path,
    rules: list[Rule],
    removed_texts: list[str],
    boxes: list[PdfBox],
    progress: ProgressCallback | None = None,
) -> list[Finding]:
    """Everything an independent reader still finds of the redacted content (empty = proven)."""
    findings: list[Finding] = []
    raw = path.read_bytes()
    revisions = len(re.findall(rb"%%EOF", raw))
    if revisions != 1:
        findings.append(
            Finding(path.name, "file", "revisions", f"{revisions} revisions (expected one)")
        )
    patterns = forbidden_patterns(rules, removed_texts)
    labels = {box.label for box in boxes} | {r.label for r in rules}
    pages = _pdfminer_pages(path, progress)
    for number, (text, chars) in enumerate(pages, start=1):
        findings.extend(
            _search(
                without_labels(text, labels),
                patterns,
                path.name,
                f"page {number}",
                "pdfminer text",
            )
        )
        for box in (b for b in boxes if b.page == number - 1):
            inside = "".join(c.get_text() for c in chars if _inside(c, box.rect))
            inside = re.sub(r"\s+", "", inside)
            label = re.sub(r"\s+", "", box.label)
            if inside and inside.replace(label, "") and inside not in label:
                findings.append(
                    Finding(path.name, f"page {number}", "text under box", f"found {inside!r}")
                )
    # A phrase broken across a page break is only visible in the text of both pages.
    already = {f.forbidden for f in findings}
    joined = without_labels("\n".join(text for text, _ in pages), labels)
    findings.extend(
        f
        for f in _search(joined, patterns, path.name, "across pages", "pdfminer text")
        if f.forbidden not in already
    )
    poppler = _pdftotext_pages(path)
    for number, text in enumerate(poppler or [], start=1):
        findings.extend(
            _search(
                without_labels(text, labels),
                patterns,
                path.name,
                f"page {number}",
                "pdftotext text",
            )
        )
    findings.extend(_scan_structure_tree(path, patterns))
    exact = _exact_patterns(rules, removed_texts)
    findings.extend(_scan_objects(path, exact))
    findings.extend(_search(raw.decode("latin-1"), exact, path.name, "raw bytes", "raw bytes"))
    return findings
