"""Whether a published PDF is a tagged, accessible document: read back with pikepdf.

The Public Sector Bodies Accessibility Regulations 2018 cover the documents a force puts on
its website, and PDF/UA-1 (ISO 14289-1) says what makes a PDF usable with assistive
technology. foidesk writes its letters, version-control documents and recording
procedures as PDF/UA-1 (WeasyPrint's ``pdf_variant``) and keeps redacted documents tagged.
:func:`check_tagged_pdf` reads a file independently of the tools that wrote it and lists
every way it falls short:

* a structure tree (``StructTreeRoot``) and ``MarkInfo`` with ``Marked`` true;
* a natural language (``Lang``) in the catalog;
* a title, in the document information and the XMP metadata, shown by viewers instead of
  the file name (``ViewerPreferences`` ``DisplayDocTitle`` true), and the PDF/UA
  identification (``pdfuaid:part`` 1) in the XMP metadata;
* every painting operator of every page (text, paths, images, shadings, forms) inside
  marked content that belongs to the structure tree (an ``MCID``) or to an ``Artifact``;
* every ``Figure`` with alternative text (``Alt`` or ``ActualText``).
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

# Operators that put marks on the page; each must sit in tagged content or an artifact.
PAINTING = {
    "Tj",
    "TJ",
    "'",
    '"',
    "S",
    "s",
    "f",
    "F",
    "f*",
    "B",
    "B*",
    "b",
    "b*",
    "sh",
    "Do",
    "INLINE IMAGE",
}


def write_pdf_ua(html: str, path: Path, base_url: str | None = None) -> Path:
    """Lay ``html`` out as a tagged PDF/UA-1 file at ``path`` (WeasyPrint).

    The HTML must give the language (``<html lang>``) and a ``<title>``: they become the
    PDF's ``Lang`` and title, which viewers show in place of the file name.
    """
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango on import

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html, base_url=base_url or str(path.parent)).write_pdf(path, pdf_variant="pdf/ua-1")
    return path


def _content_problems(
    stream: pikepdf.Object, resources: pikepdf.Object, where: str, seen: set
) -> list[str]:
    """Painting operators outside marked content with an MCID and outside artifacts."""
    properties = (
        resources.get("/Properties", {}) if isinstance(resources, pikepdf.Dictionary) else {}
    )
    forms = resources.get("/XObject", {}) if isinstance(resources, pikepdf.Dictionary) else {}
    stack: list[bool] = []  # for each open marked-content sequence: is it tagged or artifact
    problems: list[str] = []
    outside: dict[str, int] = {}
    for instruction in pikepdf.parse_content_stream(stream):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            operator, operands = "INLINE IMAGE", []
        else:
            operator, operands = str(instruction.operator), list(instruction.operands)
        if operator in ("BMC", "BDC"):
            tag = str(operands[0]) if operands else ""
            props = operands[1] if operator == "BDC" and len(operands) > 1 else None
            if isinstance(props, pikepdf.Name):
                props = properties.get(str(props))
            has_mcid = isinstance(props, pikepdf.Dictionary) and "/MCID" in props
            stack.append(tag == "/Artifact" or has_mcid or (bool(stack) and stack[-1]))
        elif operator == "EMC":
            if stack:
                stack.pop()
        elif operator in PAINTING:
            if operator == "Do":
                form = forms.get(str(operands[0])) if operands else None
                is_form = isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form"
                if is_form and not (stack and stack[-1]) and form.objgen not in seen:
                    # An untagged form is fine if everything it paints is tagged inside it.
                    seen.add(form.objgen)
                    inner = form.get("/Resources", resources)
                    problems += _content_problems(form, inner, f"{where}, form", seen)
                    continue
            if not (stack and stack[-1]):
                outside[operator] = outside.get(operator, 0) + 1
    problems += [
        f"{where}: {count} '{operator}' outside tagged content and artifacts"
        for operator, count in sorted(outside.items())
    ]
    return problems


def _figures_without_alt(node: pikepdf.Object, seen: set, depth: int = 0) -> int:
    if depth > 200 or not isinstance(node, pikepdf.Dictionary | pikepdf.Array):
        return 0
    if isinstance(node, pikepdf.Array):
        return sum(_figures_without_alt(child, seen, depth + 1) for child in node)
    if node.is_indirect:
        if node.objgen in seen:
            return 0
        seen.add(node.objgen)
    missing = 0
    if node.get("/S") == "/Figure":
        alt = str(node.get("/Alt", "")) or str(node.get("/ActualText", ""))
        missing += 0 if alt.strip() else 1
    kids = node.get("/K")
    if kids is not None:
        missing += _figures_without_alt(kids, seen, depth + 1)
    return missing


def check_tagged_pdf(path: Path) -> list[str]:
    """Every way the PDF at ``path`` falls short of a tagged, titled, accessible document
    (empty when it passes)."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        if "/StructTreeRoot" not in root:
            problems.append("no structure tree (StructTreeRoot)")
        mark_info = root.get("/MarkInfo")
        if not (isinstance(mark_info, pikepdf.Dictionary) and bool(mark_info.get("/Marked"))):
            problems.append("MarkInfo Marked is not true")
        if not str(root.get("/Lang", "")).strip():
            problems.append("no document language (Lang)")
        title = str(pdf.docinfo.get("/Title", "")).strip()
        if not title:
            problems.append("no title in the document information")
        preferences = root.get("/ViewerPreferences")
        if not (
            isinstance(preferences, pikepdf.Dictionary)
            and bool(preferences.get("/DisplayDocTitle"))
        ):
            problems.append("ViewerPreferences DisplayDocTitle is not true")
        with pdf.open_metadata() as xmp:
            if not str(xmp.get("dc:title", "")).strip():
                problems.append("no title in the XMP metadata")
            if str(xmp.get("pdfuaid:part", "")) != "1":
                problems.append("no PDF/UA-1 identification (pdfuaid:part) in the XMP metadata")
        seen: set = set()
        for number, page in enumerate(pdf.pages, start=1):
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            problems += _content_problems(page.obj, resources, f"page {number}", seen)
        if "/StructTreeRoot" in root:
            missing = _figures_without_alt(root.StructTreeRoot, set())
            if missing:
                problems.append(f"{missing} figure(s) without alternative text (Alt)")
    return problems
