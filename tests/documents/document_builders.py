"""Builders for the documents tests: small PDFs and DOCX files with secrets in them.

PDFs whose text matters are laid out by WeasyPrint, which embeds its fonts as real
documents do; PyMuPDF builds the images, attachments and incremental updates.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

SECRET = "Operation Nightjar"


def html_pdf(path: Path, body: str, *, title: str = "", author: str = "", width: str = "") -> Path:
    """A PDF laid out from an HTML body (``width`` narrows the text column)."""
    from weasyprint import HTML

    style = f"body {{ font-family: 'DejaVu Sans'; font-size: 11pt; width: {width or 'auto'} }}"
    html = (
        f"<html><head><title>{title}</title><meta name='author' content='{author}'>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )
    HTML(string=html).write_pdf(path)
    return path


def text_image_pdf(path: Path, text: str) -> Path:
    """A PDF whose only content is a 300x100 picture (at 1 px per point) of ``text``."""
    with pymupdf.open() as scratch:
        page = scratch.new_page(width=300, height=100)
        page.insert_text((10, 60), text, fontsize=36)
        png = page.get_pixmap(dpi=72).tobytes("png")
    with pymupdf.open() as doc:
        doc.new_page().insert_image(pymupdf.Rect(72, 72, 372, 172), stream=png)
        doc.save(path)
    return path


def tracked_change(kind: str, text: str, change_id: int) -> object:
    """A w:ins or w:del element holding one run of ``text``."""
    tag = "w:delText" if kind == "del" else "w:t"
    return parse_xml(
        f'<w:{kind} {nsdecls("w")} w:id="{change_id}" w:author="Editor" '
        f'w:date="2024-01-01T00:00:00Z"><w:r><{tag} xml:space="preserve">{text}</{tag}>'
        f"</w:r></w:{kind}>"
    )
