"""Hidden content in Office files (DOCX, XLSX), found by reading every part of the package.

The reader here is independent of the libraries that write these files (python-docx,
lxml, XlsxWriter, openpyxl): it unzips the package with :mod:`zipfile` and parses each
XML part with :mod:`xml.etree.ElementTree`. Text is searched block by block (a Word
paragraph, a shared string, a cell), so a phrase split across runs is still found;
attribute values and binary parts are searched for the exact strings.

Two kinds of finding: a forbidden string found somewhere (``forbidden`` names it), and
content a reader cannot see on screen but can recover (a very hidden sheet, a comment, a
tracked deletion), reported whether or not it matches anything.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from foidesk.documents.rules import Rule, phrase_pattern
from foidesk.documents.verification import Finding, forbidden_patterns, without_labels

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
# Elements whose text reads as one run of words: a paragraph, a string item, a cell.
BLOCKS = {W + "p", A + "p", X + "si", X + "c", X + "is", X + "text"}
CORE_FIELDS = (
    "title",
    "subject",
    "creator",
    "keywords",
    "description",
    "lastModifiedBy",
    "category",
    "contentStatus",
    "identifier",
)

# Properties a published workbook should have: its title, subject and language are what
# assistive technology announces, so they are expected, not hidden content (their text is
# still searched for forbidden strings).
EXPECTED_WORKBOOK_PROPERTIES = ("title", "subject", "language")

Patterns = list[tuple[str, re.Pattern[str]]]


class Package:
    """The parts of an Office Open XML file, by name."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as archive:
                self.parts = {info.filename: archive.read(info) for info in archive.infolist()}
        except zipfile.BadZipFile as error:
            raise ValueError(f"{self.path}: not an Office Open XML (zip) file") from error

    def xml(self, name: str) -> ET.Element | None:
        data = self.parts.get(name)
        if data is None:
            return None
        try:
            return ET.fromstring(data)
        except ET.ParseError:
            return None

    def relationships(self, part: str) -> dict[str, str]:
        """rId -> target part name for ``part``."""
        folder, name = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", name + ".rels"))
        found = {}
        for rel in root if root is not None else []:
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            if target.startswith("/"):
                found[rel.get("Id", "")] = target.lstrip("/")
            else:
                found[rel.get("Id", "")] = posixpath.normpath(posixpath.join(folder, target))
        return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _blocks(root: ET.Element) -> list[str]:
    """The text of each outermost block, and of every text node outside a block."""
    texts: list[str] = []

    def walk(element: ET.Element) -> None:
        if element.tag in BLOCKS:
            texts.append("".join(element.itertext()))
            return
        if element.text and element.text.strip():
            texts.append(element.text)
        for child in element:
            walk(child)
            if child.tail and child.tail.strip():
                texts.append(child.tail)

    walk(root)
    return texts


def _attributes(root: ET.Element) -> str:
    return "\n".join(v for element in root.iter() for v in element.attrib.values())


def _search(text: str, patterns: Patterns, part: str, where: str, kind: str) -> list[Finding]:
    found = []
    for name, pattern in patterns:
        match = pattern.search(text)
        if match:
            found.append(Finding(part, where, kind, f"found {match.group()!r}", name))
    return found


def scan_part(
    package: Package,
    name: str,
    text: Patterns,
    exact: Patterns,
    labels: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Search one part: text patterns block by block, exact strings in attributes and bytes.

    ``labels`` (the exemption labels redaction printed) are blotted out of the text first.
    """
    root = package.xml(name) if name.endswith((".xml", ".rels", ".vml")) else None
    if root is None:
        raw = package.parts[name]
        decoded = raw.decode("latin-1") + "\n" + raw.decode("utf-16-le", errors="ignore")
        return _search(decoded, exact, name, name, "binary part")
    findings: list[Finding] = []
    seen: set[str | None] = set()
    for block in _blocks(root):
        for finding in _search(without_labels(block, set(labels)), text, name, name, "text"):
            if finding.forbidden not in seen:
                seen.add(finding.forbidden)
                findings.append(finding)
    for finding in _search(_attributes(root), exact, name, name, "attribute"):
        if finding.forbidden not in seen:
            seen.add(finding.forbidden)
            findings.append(finding)
    return findings


# --- DOCX ------------------------------------------------------------------------------

DOCX_HIDDEN_PARTS = (
    (re.compile(r"^word/comments\w*\.xml$"), "comments"),
    (re.compile(r"^word/people\.xml$"), "comment authors"),
    (re.compile(r"^word/header\d*\.xml$"), "header"),
    (re.compile(r"^word/footer\d*\.xml$"), "footer"),
    (re.compile(r"^docProps/custom\.xml$"), "custom properties"),
    (re.compile(r"^customXml/"), "custom XML"),
    (re.compile(r"vbaProject\.bin$"), "macros"),
    (re.compile(r"^word/glossary/"), "building blocks"),
    (re.compile(r"^docProps/thumbnail\."), "thumbnail"),
)
DOCX_HIDDEN_ELEMENTS = {
    W + "ins": "tracked insertion",
    W + "del": "tracked deletion",
    W + "delText": "deleted text",
    W + "moveFrom": "tracked move",
    W + "moveTo": "tracked move",
    W + "commentReference": "comment anchor",
    W + "docVars": "document variables",
    W + "headerReference": "header reference",
    W + "footerReference": "footer reference",
}


def _docx_structure(package: Package) -> list[Finding]:
    findings = []
    for name in package.parts:
        for pattern, kind in DOCX_HIDDEN_PARTS:
            if pattern.search(name):
                findings.append(Finding(name, name, kind, "part present"))
    for name in package.parts:
        if not (name.startswith("word/") and name.endswith(".xml")):
            continue
        root = package.xml(name)
        if root is None:
            continue
        counts: dict[str, int] = {}
        for element in root.iter():
            kind = DOCX_HIDDEN_ELEMENTS.get(element.tag)
            if element.tag == W + "vanish" and element.get(W + "val", "true") not in ("0", "false"):
                kind = "hidden text"
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
        findings.extend(Finding(name, name, kind, f"{n} present") for kind, n in counts.items())
    findings.extend(_core_properties(package))
    return findings


def _core_properties(package: Package) -> list[Finding]:
    findings = []
    core = package.xml("docProps/core.xml")
    for element in core.iter() if core is not None else []:
        if _local(element.tag) in CORE_FIELDS and (element.text or "").strip():
            findings.append(
                Finding(
                    "docProps/core.xml",
                    _local(element.tag),
                    "document property",
                    f"{_local(element.tag)} = {element.text.strip()!r}",
                )
            )
    app = package.xml("docProps/app.xml")
    for element in app.iter() if app is not None else []:
        if _local(element.tag) in ("Company", "Manager") and (element.text or "").strip():
            findings.append(
                Finding(
                    "docProps/app.xml",
                    _local(element.tag),
                    "document property",
                    f"{_local(element.tag)} = {element.text.strip()!r}",
                )
            )
    return findings


def _scan_all(
    package: Package,
    text: Patterns,
    exact: Patterns,
    skip: set[str],
    labels: frozenset[str] = frozenset(),
) -> list[Finding]:
    findings = []
    for name in package.parts:
        if name not in skip:
            findings.extend(scan_part(package, name, text, exact, labels))
    return findings


def inspect_docx(path: Path, forbidden: list[str]) -> list[Finding]:
    """Hidden content of a Word file, and every part where a ``forbidden`` string occurs."""
    package = Package(path)
    patterns = [(s, phrase_pattern(s)) for s in forbidden if s.strip()]
    return _docx_structure(package) + _scan_all(package, patterns, patterns, set())


def verify_docx(path: Path, rules: list[Rule], removed_texts: list[str]) -> list[Finding]:
    """Everything redacted that a reader still finds in the redacted DOCX (empty = proven)."""
    package = Package(path)
    text = forbidden_patterns(rules, removed_texts)
    exact = forbidden_patterns([r for r in rules if r.kind == "phrase"], removed_texts)
    labels = frozenset(r.label for r in rules)
    return _docx_structure(package) + _scan_all(package, text, exact, set(), labels)


# --- XLSX ------------------------------------------------------------------------------


def _cell_text(cell: ET.Element, shared: list[str]) -> str:
    kind = cell.get("t")
    value = cell.find(X + "v")
    if kind == "s" and value is not None and (value.text or "").isdigit():
        index = int(value.text)
        return shared[index] if index < len(shared) else ""
    if kind == "inlineStr":
        inline = cell.find(X + "is")
        return "".join(inline.itertext()) if inline is not None else ""
    return value.text or "" if value is not None else ""


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference.upper())
    number = 0
    for letter in letters.group() if letters else "":
        number = number * 26 + ord(letter) - 64
    return number


def inspect_workbook(path: Path, forbidden: list[str]) -> list[Finding]:
    """Hidden content of a workbook, and every place a ``forbidden`` string occurs.

    Looks at every part: sheets (hidden and very hidden ones, hidden rows and columns),
    shared strings, comments, defined names, document properties (core, app, custom),
    cached formula values, and any other part (charts' caches, pivot caches, drawings).
    The title, subject and language properties are expected and not reported, unless
    they hold a forbidden string.
    """
    package = Package(path)
    patterns = [(s, phrase_pattern(str(s))) for s in forbidden if str(s).strip()]
    findings: list[Finding] = []
    done: set[str] = set()
    workbook_part = "xl/workbook.xml"
    workbook = package.xml(workbook_part)
    if workbook is None:
        raise ValueError(f"{path}: no {workbook_part}; not an Excel workbook")
    done.add(workbook_part)
    shared_part = "xl/sharedStrings.xml"
    shared_root = package.xml(shared_part)
    shared = (
        ["".join(si.itertext()) for si in shared_root.iter(X + "si")]
        if shared_root is not None
        else []
    )
    if shared_root is not None:
        done.add(shared_part)
        for index, text in enumerate(shared):
            findings.extend(
                _search(text, patterns, shared_part, f"string {index}", "shared string")
            )

    for name in workbook.iter(X + "definedName"):
        label = name.get("name", "")
        text = name.text or ""
        where = f"defined name {label}"
        if not label.startswith("_xlnm."):
            findings.append(Finding(workbook_part, where, "defined name", f"{label} = {text}"))
        findings.extend(_search(f"{label}\n{text}", patterns, workbook_part, where, "defined name"))

    sheet_parts = package.relationships(workbook_part)
    for sheet in workbook.iter(X + "sheet"):
        title = sheet.get("name", "")
        state = sheet.get("state", "visible")
        part = sheet_parts.get(sheet.get(R + "id", ""), "")
        root = package.xml(part)
        if root is None:
            continue
        done.add(part)
        cells = [
            c for c in root.iter(X + "c") if _cell_text(c, shared) or c.find(X + "f") is not None
        ]
        if state in ("hidden", "veryHidden"):
            kind = "very hidden sheet" if state == "veryHidden" else "hidden sheet"
            findings.append(Finding(part, title, kind, f"{len(cells)} cells with content"))
        hidden_columns: set[int] = set()
        for column in root.iter(X + "col"):
            if column.get("hidden") in ("1", "true"):
                hidden_columns.update(
                    range(int(column.get("min", 0)), int(column.get("max", 0)) + 1)
                )
        for row in root.iter(X + "row"):
            row_cells = [c for c in row.iter(X + "c") if _cell_text(c, shared)]
            if row.get("hidden") in ("1", "true") and row_cells:
                where = f"{title}!row {row.get('r')}"
                findings.append(Finding(part, where, "hidden row", f"{len(row_cells)} cells"))
        for cell in cells:
            reference = cell.get("r", "")
            where = f"{title}!{reference}"
            if _column_index(reference) in hidden_columns and _cell_text(cell, shared):
                findings.append(Finding(part, where, "hidden column", "cell with content"))
            formula = cell.find(X + "f")
            value = _cell_text(cell, shared)
            kind = "cached formula value" if formula is not None else "cell"
            if state != "visible":
                kind += f" ({state} sheet)"
            findings.extend(_search(value, patterns, part, where, kind))
            if formula is not None and formula.text:
                findings.extend(_search(formula.text, patterns, part, where, "formula"))
        for target in package.relationships(part).values():
            if "comments" in posixpath.basename(target):
                done.add(target)
                comments = package.xml(target)
                for comment in comments.iter(X + "comment") if comments is not None else []:
                    where = f"{title}!{comment.get('ref', '')}"
                    text = "".join(comment.itertext())
                    findings.append(Finding(target, where, "comment", text[:80]))
                    findings.extend(_search(text, patterns, target, where, "comment"))

    for name in package.parts:
        if name.startswith("xl/externalLinks/") and name.endswith(".xml"):
            findings.append(Finding(name, name, "external link", "part present"))
        if name.startswith("xl/pivotCache/") and name.endswith(".xml"):
            findings.append(Finding(name, name, "pivot cache", "part present"))
    findings.extend(
        f
        for f in _core_properties(package)
        if not (f.part == "docProps/core.xml" and f.where in EXPECTED_WORKBOOK_PROPERTIES)
    )
    custom = package.xml("docProps/custom.xml")
    for prop in custom.iter() if custom is not None else []:
        if _local(prop.tag) == "property":
            text = "".join(prop.itertext())
            findings.append(
                Finding("docProps/custom.xml", prop.get("name", ""), "custom property", text[:80])
            )
    for name in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
        if name in package.parts:
            done.add(name)
            findings.extend(
                _search(
                    "\n".join(_blocks(package.xml(name))), patterns, name, name, "document property"
                )
            )
    findings.extend(_scan_all(package, patterns, patterns, done))
    return findings
