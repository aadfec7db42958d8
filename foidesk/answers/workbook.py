"""The accessible Excel workbook of a disclosure, written with gptables.

Follows the Analysis Function guidance "Releasing statistics in spreadsheets": a cover
sheet, a contents sheet linking to every table, a notes sheet, then one table per sheet
with its title in A1 and "This worksheet contains one table." in A2, marked up as an
Excel table with a single header row, no merged cells and no blank rows. Numbers are
stored as numbers; a suppressed cell holds only its shorthand text (``[c]``), which the
cover explains (only the shorthand some table uses). Each table's title is generated from
its specification (:func:`foidesk.stats.description.table_title`), so it names the counting
unit and any part period; each value column's heading names its dimension ("Victim sex:
Female"), so a screen reader never announces a bare "Female". The cover gives the
publication date, the period covered, the source system and a contact. The document's
created date is the snapshot's, so the same snapshot gives the same file, byte for byte;
its only properties are the title and subject.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import gptables as gpt
import pandas as pd

from foidesk.answers.notes import NotesPage
from foidesk.stats.coverage import long_date, recorded_span
from foidesk.stats.description import table_name, table_title
from foidesk.stats.table import SHORTHAND, ComputedTable

ONE_TABLE = "This worksheet contains one table."


@dataclass(frozen=True)
class WorkbookInfo:
    """What the cover and document properties say about the workbook."""

    reference: str
    title: str
    subject: str
    created: datetime
    source: str
    extracted: date
    contact: tuple[str, ...]
    published: date | None = None


def sheet_name(table_id: str) -> str:
    """The tab name for a table id: ``table_1`` becomes ``Table 1`` (Excel allows 31)."""
    return table_name(table_id)[:31]


def period_covered(tables: list[ComputedTable]) -> str:
    """'crimes recorded 1 January 2015 to 31 May 2024': the widest recorded dates of any table."""
    starts, ends = [], []
    for table in tables:
        first, last = recorded_span(table.spec)
        starts += [first] if first else []
        ends += [last] if last else []
    if not starts or not ends:
        return "all records in the source (see the Notes worksheet)"
    return f"crimes recorded {long_date(min(starts))} to {long_date(max(ends))}"


def _gptable(table: ComputedTable, notes: NotesPage) -> gpt.GPTable:
    frame = table.display_frame()
    cited = notes.cited(table.id)
    title = f"{table_title(table.spec)} {cited}".strip()
    legend = [f"Counting unit: {table.unit_label}."]
    if table.spec.subtitle:
        legend.insert(0, table.spec.subtitle)
    used = sorted({m for m in table.markers.values()})
    legend += [f"{m}: {SHORTHAND[m]}" for m in used if m in SHORTHAND]
    legend.append("Notes are on the Notes worksheet; the source is note 1.")
    # gptables styles up to three index levels; level 2 is the usual single row label.
    levels = min(len(table.spec.rows), 3)
    index_columns = {2: 0} if levels == 1 else {i + 1: i for i in range(levels)}
    return gpt.GPTable(
        table=frame,
        table_name=table.id,
        title=title,
        instructions=ONE_TABLE,
        legend=legend,
        index_columns=index_columns,
    )


def write_workbook(
    path: str | Path, tables: list[ComputedTable], notes: NotesPage, info: WorkbookInfo
) -> Path:
    """Write ``tables`` with their notes to ``path`` as an accessible .xlsx workbook."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = {sheet_name(t.id): _gptable(t, notes) for t in tables}
    if len(sheets) != len(tables):
        raise ValueError(f"{path}: two tables would share a worksheet name")
    used = {m for t in tables for m in t.markers.values()}
    shorthand = [f"{marker}: {text}" for marker, text in SHORTHAND.items() if marker in used]
    published = (
        f"Published: {long_date(info.published)}."
        if info.published
        else "Published: not yet (this is a draft)."
    )
    cover = gpt.Cover(
        title=f"{info.title} (freedom of information request {info.reference})",
        intro=[
            f"These tables answer freedom of information request {info.reference}.",
            "Read the Notes worksheet with the tables: it says what each table counts.",
        ],
        about=[
            published,
            f"Period covered: {period_covered(tables)}.",
            f"Source: {info.source}, data extracted on {long_date(info.extracted)}.",
            f"This workbook contains {len(tables)} tables, one per worksheet, listed on the "
            "Contents worksheet.",
            *(["Shorthand used in tables:", *shorthand] if shorthand else []),
        ],
        contact=[
            *info.contact,
            f"Please quote reference {info.reference} in any correspondence.",
        ],
    )
    notes_table = pd.DataFrame(
        {
            "Note number": [f"note {i}" for i in range(1, len(notes.notes) + 1)],
            "Note text": [n.text for n in notes.notes],
        }
    )
    with warnings.catch_warnings():
        # Notes are cited as literal "[note N]" text, numbered in Notes-page order, so
        # gptables' placeholder check and its pandas deprecations are noise here.
        warnings.simplefilter("ignore")
        workbook = gpt.produce_workbook(
            filename=str(path),
            sheets=sheets,
            cover=cover,
            notes_table=notes_table,
            contentsheet_label="Contents",
            notesheet_label="Notes",
        )
        # Title and subject only: assistive technology announces them; anything else
        # (author, comments, keywords) would be hidden content a reader cannot see.
        workbook.set_properties(
            {
                "title": f"{info.reference}: {info.title}",
                "subject": info.subject,
                "created": info.created,
            }
        )
        workbook.close()
    return path
