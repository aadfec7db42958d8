"""Fixtures for the documents tests."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from document_builders import SECRET, tracked_change


@pytest.fixture
def briefing_docx(tmp_path: Path) -> Path:
    """A Word file hiding secrets in every place a reader can recover them from.

    Paragraph 1 splits the secret across runs; a comment and the core properties name an
    officer; paragraph 2 has a tracked deletion and insertion; paragraph 3 has hidden text;
    the header and footer carry text; paragraph 4 has a phone number; paragraph 5 is whole.
    """
    document = docx.Document()
    properties = document.core_properties
    properties.author = "DS Jane Smith"
    properties.title = f"{SECRET} briefing"
    properties.comments = "Draft for the safeguarding hub"
    first = document.add_paragraph("Deployment under ")
    first.add_run("Operation Night")
    tail = first.add_run("jar")
    tail.bold = True
    first.add_run(" begins at dawn.")
    document.add_comment([tail], text="Lead officer is DS Jane Smith", author="Reviewer A")
    second = document.add_paragraph("Keep this. ")
    second._p.append(tracked_change("del", "Old plan: the Kestrel safe house", 91))
    second._p.append(tracked_change("ins", "New wording stays.", 92))
    third = document.add_paragraph("Visible. ")
    third.add_run("hidden note about the informant").font.hidden = True
    section = document.sections[0]
    section.header.paragraphs[0].text = "RESTRICTED header text"
    section.footer.paragraphs[0].text = "Printed by DS Jane Smith"
    document.add_paragraph("Call 020 7946 0018 today.")
    document.add_paragraph("This whole paragraph names the Heron observation post.")
    path = tmp_path / "briefing.docx"
    document.save(path)
    return path
