"""Suggested redactions for a reviewer to accept or reject; never applied on their own.

Finds the personal and operational details an FOI reviewer usually looks for: UK phone
numbers, email addresses, National Insurance numbers, postcodes, street addresses,
vehicle registrations, crime and incident reference numbers, officer collar numbers,
people's names, ages beside them and allegations about named people (:mod:`people`), and
names from a list the reviewer gives. The reviewer
gets a CSV with an empty ``decision`` column; only rows marked ``accept`` become
redaction rules (:func:`rules_from_review`).

Formats (sources): National Insurance number prefixes, HMRC National Insurance Manual
NIM39110; postcodes, the Royal Mail / ONS postcode format; vehicle registrations, the
DVLA current (since 2001) and prefix (1983-2001) formats. Crime reference and collar
number formats differ between forces; the defaults here cover common ones and a force
can pass its own patterns.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from foidesk.documents.people import find_people
from foidesk.documents.rules import Rule, RuleError, phrase_pattern

DEFAULT_LABEL = "s40(2)"

PATTERNS: dict[str, re.Pattern[str]] = {
    "email address": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "UK phone number": re.compile(
        r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"
    ),
    "National Insurance number": re.compile(
        r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
        r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"
    ),
    "postcode": re.compile(
        r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"
    ),
    "vehicle registration": re.compile(
        r"\b(?:[A-HJ-PR-Y][A-HJ-PR-Y]\d{2} ?[A-HJ-PR-Z]{3}|[A-HJ-NP-Y]\d{1,3} ?[A-HJ-PR-Z]{3})\b"
    ),
    "street address": re.compile(
        r"(?:\b(?:Flat|Apartment|Unit)\s+\d+[A-Z]?,\s*|\b\d+/\d+,\s*)?"
        r"\b\d{1,4}[A-Z]?,?\s+(?:The\s+)?(?:[A-Z][a-z]+(?:['’]s)?\s+){0,3}"
        r"(?:Street|Road|Lane|Lanes|Avenue|Drive|Close|Crescent|Way|Place|Gardens|Grove|"
        r"Terrace|Court|Square|Hill|Row|Walk|Mews|Park|Parade|Green|Rise|View)\b"
    ),
    "crime reference number": re.compile(
        r"\b(?:\d{7}/\d{2}|\d{2}/\d{5,6}/\d{2}|CRI?S?\s?\d{6,8}/\d{2}"
        r"|CAD\s?\d{3,5}(?:/\d{1,2}[A-Z]{3}\d{2})?)\b"
        r"|(?i:crime\s+(?:reference|ref\.?|number|no\.?)(?:\s+(?:number|no\.?))?\s*[:#]?\s*)"
        r"(?P<crime>[A-Z0-9][A-Z0-9/-]{4,})"
    ),
    "collar number": re.compile(
        r"\b(?:W?PC|DC|T/?DC|PS|DS|Sgt|Sergeant|Constable|PCSO|Insp|Inspector|DI)\.?"
        r"\s?\d{2,6}[A-Z]{0,2}\b"
        r"|(?i:collar\s+(?:number|no\.?)(?:\s+(?:was|is))?\s*[:#]?\s*)"
        r"(?P<collar>\d{2,6}[A-Z]{0,2})\b"
    ),
}
PHONE_DIGITS = (10, 11, 12)


@dataclass(frozen=True)
class Suggestion:
    """One candidate redaction: what was found, where, and the label proposed for it."""

    kind: str
    text: str
    where: str
    context: str
    label: str = DEFAULT_LABEL


def _matched_text(kind: str, match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    text = next((v for v in groups.values() if v), None) or match.group()
    if kind == "UK phone number" and len(re.sub(r"\D", "", text)) not in PHONE_DIGITS:
        return None
    return text.strip()


def _context(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", text[max(0, start - 30) : end + 30])


def suggest_text(
    text: str,
    where: str = "",
    names: Iterable[str] = (),
    patterns: dict[str, re.Pattern[str]] | None = None,
    people: bool = True,
) -> list[Suggestion]:
    """Suggestions found in ``text``, in order of position (each text and place once).

    ``people`` adds the names, ages and allegations :func:`find_people` reads from the
    text itself, beside the ``names`` given.
    """
    found: dict[tuple[int, str], Suggestion] = {}
    checks = list((patterns or PATTERNS).items())
    checks += [("name", phrase_pattern(name)) for name in names if name.strip()]
    identifiers: list[tuple[int, int]] = []
    for kind, pattern in checks:
        for match in pattern.finditer(text):
            matched = _matched_text(kind, match)
            if not matched:
                continue
            identifiers.append((match.start(), match.end()))
            context = _context(text, match.start(), match.end())
            found.setdefault((match.start(), matched), Suggestion(kind, matched, where, context))
    if people:
        for mention in find_people(text, identifiers):
            found.setdefault(
                (mention.start, mention.text),
                Suggestion(
                    mention.kind, mention.text, where, _context(text, mention.start, mention.end)
                ),
            )
    return [found[key] for key in sorted(found, key=lambda key: key[0])]


def document_texts(path: Path) -> list[tuple[str, str]]:
    """(where, text) for each page of a PDF, paragraph of a DOCX, or line of a text file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pymupdf

        with pymupdf.open(path) as doc:
            return [(f"page {i}", page.get_text()) for i, page in enumerate(doc, start=1)]
    if suffix == ".docx":
        from lxml import etree

        from foidesk.documents.docx import ParagraphText, w

        with zipfile.ZipFile(path) as archive:
            root = etree.fromstring(archive.read("word/document.xml"))
        paragraphs = list(root.iter(w("p")))
        return [
            (f"paragraph {i}", ParagraphText(p, set()).text) for i, p in enumerate(paragraphs, 1)
        ]
    if suffix in (".txt", ".md", ".csv"):
        lines = path.read_text(encoding="utf-8").splitlines()
        return [(f"line {i}", line) for i, line in enumerate(lines, start=1)]
    raise RuleError(f"{path}: cannot read {suffix or 'this'} files for suggestions")


def suggest(
    path: Path, names: Iterable[str] = (), patterns: dict[str, re.Pattern[str]] | None = None
) -> list[Suggestion]:
    """Suggested redactions for the document at ``path`` (nothing is changed)."""
    names = list(names)
    return [
        s
        for where, text in document_texts(path)
        for s in suggest_text(text, where, names, patterns)
    ]


def read_names(path: Path) -> list[str]:
    """Names to look for, one a line (blank lines and ``#`` comments ignored)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


REVIEW_FIELDS = ("decision", "label", "kind", "text", "where", "context")
ACCEPT = {"accept", "accepted", "yes", "y"}
REJECT = {"reject", "rejected", "no", "n", ""}


def write_review(suggestions: list[Suggestion], path: Path) -> Path:
    """The reviewer's sheet: one row per suggestion, ``decision`` left for the reviewer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REVIEW_FIELDS)
        writer.writeheader()
        for suggestion in suggestions:
            writer.writerow({"decision": "", **asdict(suggestion)})
    return path


def rules_from_review(path: Path) -> list[Rule]:
    """Phrase rules for the rows a reviewer marked ``accept`` (one rule per distinct text)."""
    rules: dict[tuple[str, str], Rule] = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"decision", "label", "text"} - set(reader.fieldnames or [])
        if missing:
            raise RuleError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row_number, row in enumerate(reader, start=2):
            decision = (row["decision"] or "").strip().lower()
            if decision in REJECT:
                continue
            if decision not in ACCEPT:
                raise RuleError(
                    f"{path}: row {row_number}: field 'decision': {row['decision']!r} is "
                    "neither accept nor reject"
                )
            text = (row["text"] or "").strip()
            label = (row["label"] or "").strip()
            if not text or not label:
                field = "text" if not text else "label"
                raise RuleError(f"{path}: row {row_number}: field {field!r} is empty")
            key = (text.casefold(), label)
            rules.setdefault(
                key, Rule("phrase", text, label, f"accepted suggestion: {row['kind']}")
            )
    return list(rules.values())
