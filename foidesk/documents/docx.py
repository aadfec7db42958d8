"""Redaction of DOCX files by editing the Office Open XML package directly.

Before any rule runs, everything a reader cannot see on the page but can still recover
is taken out: comments (and who wrote them), tracked changes (insertions accepted,
deletions and moves-from dropped, so deleted text is gone), hidden text (``w:vanish``),
headers and footers, document variables, custom XML, macros, the thumbnail, and the
document properties (core, app and custom). Then each phrase or regular expression is
cut out of the text runs, even when it is split across runs, and replaced by a black run
printing the exemption label; a paragraph range replaces whole paragraphs. Parts left
unreachable from the package's relationships are dropped.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from foidesk.documents.redaction_log import RedactionEntry
from foidesk.documents.rules import Rule, RuleError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Relationship types (by their last path segment) whose targets are removed outright.
REMOVED_RELATIONSHIPS = {
    "comments",
    "commentsExtended",
    "commentsIds",
    "commentsExtensible",
    "people",
    "header",
    "footer",
    "custom-properties",
    "thumbnail",
    "customXml",
    "vbaProject",
    "attachedTemplate",
    "glossaryDocument",
}
# Elements removed with everything inside them: deleted or moved-away text, revision
# history of formatting, comment anchors, header and footer references, document variables.
DROPPED_ELEMENTS = [
    w(t)
    for t in (
        "del",
        "moveFrom",
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "tblPrExChange",
        "trPrChange",
        "tcPrChange",
        "tblGridChange",
        "numberingChange",
        "moveFromRangeStart",
        "moveFromRangeEnd",
        "moveToRangeStart",
        "moveToRangeEnd",
        "commentRangeStart",
        "commentRangeEnd",
        "headerReference",
        "footerReference",
        "docVars",
        "attachedTemplate",
        "trackRevisions",
    )
]
# Elements whose children are kept in their place: accepted insertions and moves-to.
UNWRAPPED_ELEMENTS = [w("ins"), w("moveTo")]
TEXT_PARTS = re.compile(r"^word/(document|footnotes|endnotes)\d*\.xml$")
EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>'
)
EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties"/>'
)


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _target(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _prune_relationships(parts: dict[str, bytes]) -> None:
    """Drop removed relationship types, then every part no longer reachable from the root."""
    for name in [n for n in parts if n.endswith(".rels")]:
        root = etree.fromstring(parts[name])
        for rel in list(root):
            if rel.get("Type", "").rsplit("/", 1)[-1] in REMOVED_RELATIONSHIPS:
                root.remove(rel)
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    reachable = {"[Content_Types].xml", "_rels/.rels"}
    queue = [""]
    while queue:
        part = queue.pop()
        rels = "_rels/.rels" if part == "" else _rels_name(part)
        if rels not in parts:
            continue
        reachable.add(rels)
        for rel in etree.fromstring(parts[rels]):
            if rel.get("TargetMode") == "External":
                continue
            target = _target(part, rel.get("Target", ""))
            if target in parts and target not in reachable:
                reachable.add(target)
                queue.append(target)
    for name in list(parts):
        if name not in reachable:
            del parts[name]
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in types.findall(f"{{{CT}}}Override"):
        if override.get("PartName", "").lstrip("/") not in parts:
            types.remove(override)
    parts["[Content_Types].xml"] = etree.tostring(
        types, xml_declaration=True, encoding="UTF-8", standalone=True
    )


def _is_on(element: etree._Element) -> bool:
    return element.get(w("val"), "true").lower() not in ("false", "0", "off")


def _clean_hidden(root: etree._Element) -> None:
    """Remove revisions, comment anchors, hidden runs and references to removed parts."""
    for element in list(root.iter(*DROPPED_ELEMENTS)):
        element.getparent().remove(element)
    for element in list(root.iter(*UNWRAPPED_ELEMENTS)):
        parent = element.getparent()
        index = parent.index(element)
        for offset, child in enumerate(list(element)):
            parent.insert(index + offset, child)
        parent.remove(element)
    for reference in list(root.iter(w("commentReference"), w("annotationRef"))):
        run = reference.getparent()
        if run.tag == w("r"):
            run.getparent().remove(run)
        else:
            run.remove(reference)
    for vanish in list(root.iter(w("vanish"), w("specVanish"))):
        properties = vanish.getparent()
        holder = properties.getparent() if properties is not None else None
        if holder is not None and holder.tag == w("r") and _is_on(vanish):
            holder.getparent().remove(holder)
        else:
            properties.remove(vanish)


def _split_runs(root: etree._Element) -> None:
    """Give every run one content child, so a text node maps to exactly one run."""
    for run in list(root.iter(w("r"))):
        content = [c for c in run if c.tag != w("rPr")]
        if len(content) < 2:
            continue
        properties = run.find(w("rPr"))
        parent = run.getparent()
        index = parent.index(run)
        for offset, child in enumerate(content):
            piece = etree.Element(w("r"))
            if properties is not None:
                piece.append(copy.deepcopy(properties))
            piece.append(child)
            parent.insert(index + offset, piece)
        parent.remove(run)


def _label_run(label: str) -> etree._Element:
    """A black run printing the exemption label in white."""
    run = etree.Element(w("r"))
    properties = etree.SubElement(run, w("rPr"))
    etree.SubElement(properties, w("b"))
    etree.SubElement(properties, w("color"), {w("val"): "FFFFFF"})
    etree.SubElement(
        properties, w("shd"), {w("val"): "clear", w("color"): "auto", w("fill"): "000000"}
    )
    text = etree.SubElement(run, w("t"))
    text.set(XML_SPACE, "preserve")
    text.text = f" {label} "
    return run


class ParagraphText:
    """A paragraph's visible text, each character mapped to its text node."""

    def __init__(self, paragraph: etree._Element, labels: set[etree._Element]) -> None:
        self.element = paragraph
        self.nodes: list[tuple[etree._Element | None, int]] = []
        pieces: list[str] = []
        for run in paragraph.iter(w("r")):
            if run in labels:
                continue
            for child in run:
                if child.tag == w("t"):
                    pieces.append(child.text or "")
                    self.nodes.extend((child, i) for i in range(len(child.text or "")))
                elif child.tag in (w("tab"), w("br"), w("cr")):
                    pieces.append(" ")
                    self.nodes.append((None, 0))
        self.text = "".join(pieces)

    def cut(self, start: int, end: int, label_run: etree._Element) -> None:
        """Remove characters ``start:end`` and put ``label_run`` where they began."""
        touched: dict[etree._Element, list[int]] = {}
        for node, offset in self.nodes[start:end]:
            if node is not None:
                touched.setdefault(node, []).append(offset)
        if not touched:
            return
        first = next(iter(touched))
        first_run = first.getparent()
        first_text = first.text or ""
        first_cut = touched[first]
        suffix = first_text[first_cut[-1] + 1 :]
        first.text = first_text[: first_cut[0]]
        anchor = first_run
        first.set(XML_SPACE, "preserve")
        if suffix and len(touched) == 1:
            tail = copy.deepcopy(first_run)
            tail.find(w("t")).text = suffix
            first_run.addnext(tail)
        for node, offsets in list(touched.items())[1:]:
            node.text = (node.text or "")[offsets[-1] + 1 :]
        anchor.addnext(label_run)
        for node in touched:
            if not node.text:
                run = node.getparent()
                run.getparent().remove(run)
            else:
                node.set(XML_SPACE, "preserve")


def _redact_text(
    root: etree._Element, part: str, rule: Rule, labels: set[etree._Element]
) -> list[RedactionEntry]:
    entries = []
    pattern = rule.pattern()
    for number, paragraph in enumerate(list(root.iter(w("p"))), start=1):
        view = ParagraphText(paragraph, labels)
        matches = [m for m in pattern.finditer(view.text) if m.group().strip()]
        for match in reversed(matches):
            label = _label_run(rule.label)
            labels.add(label)
            view.cut(match.start(), match.end(), label)
            entries.append(
                RedactionEntry(
                    label=rule.label,
                    reason=rule.reason,
                    rule=rule.describe(),
                    text=re.sub(r"\s+", " ", match.group()).strip(),
                    paragraph=number,
                    part=part,
                )
            )
    entries.reverse()
    return entries


def _redact_paragraphs(
    root: etree._Element, part: str, rule: Rule, labels: set[etree._Element]
) -> list[RedactionEntry]:
    paragraphs = list(root.iter(w("p")))
    entries = []
    for number in rule.numbers():
        if number > len(paragraphs):
            raise RuleError(
                f"paragraphs {rule.value!r}: the document has {len(paragraphs)} paragraphs"
            )
        paragraph = paragraphs[number - 1]
        text = ParagraphText(paragraph, labels).text
        for child in list(paragraph):
            if child.tag != w("pPr"):
                paragraph.remove(child)
        label = _label_run(rule.label)
        labels.add(label)
        paragraph.append(label)
        entries.append(
            RedactionEntry(
                label=rule.label,
                reason=rule.reason,
                rule=rule.describe(),
                text=re.sub(r"\s+", " ", text).strip(),
                paragraph=number,
                part=part,
            )
        )
    return entries


def _redact_descriptions(root: etree._Element, rules: list[Rule]) -> None:
    """Alternative text of pictures and shapes is read aloud: a matching one becomes the label."""
    text_rules = [r for r in rules if r.kind in ("phrase", "regex")]
    for element in root.iter():
        for attribute in ("descr", "title"):
            value = element.get(attribute)
            if not value:
                continue
            for rule in text_rules:
                if rule.pattern().search(value):
                    element.set(attribute, rule.label)
                    break


def redact_docx(
    source: Path, target: Path, rules: list[Rule]
) -> tuple[list[RedactionEntry], list[str]]:
    """Redact ``source`` into ``target``; returns the log entries and the strings removed."""
    for rule in rules:
        if rule.kind in ("pages", "area"):
            raise RuleError(f"{rule.kind} rules apply to PDFs; use --paragraphs for a DOCX")
    try:
        with zipfile.ZipFile(source) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
    except zipfile.BadZipFile as error:
        raise RuleError(f"{source}: not a DOCX (zip) file") from error
    if "word/document.xml" not in parts:
        raise RuleError(f"{source}: no word/document.xml; not a Word document")
    _prune_relationships(parts)
    entries: list[RedactionEntry] = []
    removed: list[str] = []
    for name in list(parts):
        if not name.endswith(".xml") or name == "[Content_Types].xml":
            continue
        root = etree.fromstring(parts[name])
        if root.tag == w("settings") or TEXT_PARTS.match(name) or name.startswith("word/"):
            _clean_hidden(root)
        if TEXT_PARTS.match(name):
            _redact_descriptions(root, rules)
            _split_runs(root)
            labels: set[etree._Element] = set()
            for rule in rules:
                if rule.kind == "paragraphs":
                    if name != "word/document.xml":
                        continue
                    found = _redact_paragraphs(root, name, rule, labels)
                else:
                    found = _redact_text(root, name, rule, labels)
                entries.extend(found)
                # Phrases are proved absent by their own pattern; other matches by their text.
                if rule.kind != "phrase":
                    removed.extend(e.text for e in found)
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if "docProps/core.xml" in parts:
        parts["docProps/core.xml"] = EMPTY_CORE
    if "docProps/app.xml" in parts:
        parts["docProps/app.xml"] = EMPTY_APP
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return entries, [text for text in removed if text]
