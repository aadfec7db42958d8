"""The Notes page: the notes foidesk writes itself, the request's own notes, and numbering.

Some notes are facts foidesk knows better than anyone typing them: which system the
figures came from and when they were extracted, what each counting unit used means,
which how-known codes a relationship group stands for (read from the snapshot's own
reference data), which periods of a table are part periods, and that the Home Office
Counting Rules changed in June 2023 (cited by every table whose recorded dates span it).
These come first, then the request file's ``notes:`` in their order. Notes are numbered
in that order and each table cites the notes that apply to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from foidesk.input_files import InputModel
from foidesk.records.store import Snapshot
from foidesk.stats.compiler import Source
from foidesk.stats.coverage import date_span, joined_period, long_date, part_periods, spans
from foidesk.stats.specs import COUNTING_UNITS, SpecError, TableSpec
from foidesk.stats.table import ComputedTable

SOURCE_NOTE = "source"
DISCLOSURE_NOTE = "disclosure_control"
COUNTING_RULES_NOTE = "counting_rules_2023"
# The Home Office Counting Rules' principal crime change took effect in June 2023.
COUNTING_RULES_CHANGE = date(2023, 6, 1)
COUNTING_RULES_TEXT = (
    "The Home Office Counting Rules changed in June 2023 (the principal crime rule): one "
    "crime is recorded per report in more cases, and some offences such as malicious "
    "communications are no longer counted separately. Figures before and after mid-2023 "
    "are not directly comparable."
)

UNIT_NOTES: dict[str, str] = {
    "crime": (
        "Counting unit: crimes. Each recorded crime (offence) counts once, however many "
        "victims or suspects it has. A crime with two victims and one suspect counts 1."
    ),
    "victim": (
        "Counting unit: victims. Each victim of each crime counts once. A crime with two "
        "victims and one suspect counts 2; a person who is a victim in two crimes counts in "
        "each."
    ),
    "suspect": (
        "Counting unit: suspects. Each identified suspect in each crime counts once. A crime "
        "with two victims and one suspect counts 1; a crime with no identified suspect is not "
        "in a suspect table."
    ),
    "pair": (
        "Counting unit: victim-suspect pairs. Each victim counts once with each suspect in "
        "the same crime. A crime with two victims and one suspect counts 2; a crime with no "
        "identified suspect has no pairs and is not in a pair table."
    ),
}


@dataclass(frozen=True)
class Note:
    """One entry of the Notes page."""

    id: str
    text: str


@dataclass(frozen=True)
class NotesPage:
    """The numbered notes and, per table, the numbers of the notes it cites."""

    notes: tuple[Note, ...]
    citations: dict[str, tuple[int, ...]]

    def number(self, note_id: str) -> int:
        return next(i for i, n in enumerate(self.notes, start=1) if n.id == note_id)

    def cited(self, table_id: str) -> str:
        """The citation text after a table's title, e.g. ``[note 1] [note 4]``."""
        return " ".join(f"[note {n}]" for n in self.citations.get(table_id, ()))


class NoteInput(InputModel):
    """One entry of ``notes:``: an id tables cite, and its text."""

    id: str
    text: str


def parse_notes(values: Any, source: str) -> list[Note]:
    """The request file's ``notes:`` list; ids must be unique and not foidesk's own."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise SpecError(f"{source}: notes: expected a list of {{id, text}}")
    notes = []
    for i, item in enumerate(values):
        if not isinstance(item, dict) or not item.get("id") or not item.get("text"):
            raise SpecError(f"{source}: notes[{i}]: expected a mapping with id and text")
        notes.append(Note(str(item["id"]), " ".join(str(item["text"]).split())))
    ids = [n.id for n in notes]
    reserved = {SOURCE_NOTE, COUNTING_RULES_NOTE, *(f"unit_{u}" for u in COUNTING_UNITS)}
    owned = ("hk_", "part_")
    clash = sorted({i for i in ids if ids.count(i) > 1 or i in reserved or i.startswith(owned)})
    if clash:
        raise SpecError(f"{source}: notes: duplicate or reserved id(s) {', '.join(clash)}")
    return notes


def source_note(snapshot: Snapshot) -> Note:
    """Where the figures come from: the source system and the day the data were extracted.

    The snapshot's id (a hash) stays in the manifest: it means nothing to a reader.
    """
    text = (
        f"Source: {snapshot.source_name}, data extracted on {long_date(snapshot.extracted_on)}. "
        "Nothing recorded after that day is counted."
    )
    if snapshot.kind == "synthetic":
        text += " These records are synthetic (generated for demonstration), not real crimes."
    return Note(SOURCE_NOTE, text)


def _part_period_notes(specs: list[TableSpec], extracted: date) -> dict[str, Note]:
    notes: dict[str, Note] = {}
    for spec in specs:
        for part in part_periods(spec):
            covered = date_span(part.start, part.end)
            if part.start.year == part.end.year:
                covered += f" {part.end.year}"
            text = f"{part.label} is a part period: its figures cover {covered} only."
            if part.end == extracted:
                text += f" The data were extracted on {long_date(extracted)}."
            notes.setdefault(f"part_{part.label}", Note(f"part_{part.label}", text))
        for dim in spec.dimensions:
            joined = joined_period(dim)
            if joined is None:
                continue
            part = joined.part
            text = (
                f"{joined.label} is one period: the part period "
                f"{date_span(part.start, part.end)} {part.end.year} is counted with "
                f"{joined.whole_label}, not shown on its own."
            )
            notes.setdefault(f"part_{part.label}", Note(f"part_{part.label}", text))
    return notes


def _how_known_notes(specs: list[TableSpec], source: Source) -> dict[str, Note]:
    rows = source.fetch("how_known_codes").to_pylist()
    notes: dict[str, Note] = {}
    for spec in specs:
        pop = spec.population
        for group in pop.how_known_groups:
            codes = [
                f"{r['code']} ({r['description']})" for r in rows if r["how_known_group"] == group
            ]
            notes[f"hk_{group}"] = Note(
                f"hk_{group}",
                f'"{group}" means the victim knew the suspect by one of these how-known codes: '
                f"{'; '.join(codes) if codes else 'none in the reference data'}. A pair counts "
                "when it has one of these codes; a crime, victim or suspect counts when at "
                "least one victim-suspect pair it is part of has one.",
            )
        for code in pop.how_known_codes:
            described = [f"{r['code']} ({r['description']})" for r in rows if r["code"] == code]
            notes[f"hk_{code}"] = Note(
                f"hk_{code}",
                f"How-known code {described[0] if described else code}: a pair counts when it "
                "has this code; a crime, victim or suspect counts when at least one "
                "victim-suspect pair it is part of has it.",
            )
    return notes


def notes_page(
    tables: list[ComputedTable],
    request_notes: list[Note],
    snapshot: Snapshot,
    source: Source,
    *,
    request_file: str = "<request>",
    disclosure_note: Note | None = None,
) -> NotesPage:
    """Number every note and work out which notes each table cites.

    ``disclosure_note`` explains [c] (or rounding); every table cites it.
    """
    specs = [t.spec for t in tables]
    units = [u for u in COUNTING_UNITS if any(s.counting_unit == u for s in specs)]
    how_known = _how_known_notes(specs, source)
    parts = _part_period_notes(specs, snapshot.extracted_on)
    spanning = [s.id for s in specs if spans(s, COUNTING_RULES_CHANGE)]
    notes = [
        source_note(snapshot),
        *(Note(f"unit_{u}", UNIT_NOTES[u]) for u in units),
        *how_known.values(),
        *parts.values(),
        *([Note(COUNTING_RULES_NOTE, COUNTING_RULES_TEXT)] if spanning else []),
        *request_notes,
        *([disclosure_note] if disclosure_note else []),
    ]
    numbers = {n.id: i for i, n in enumerate(notes, start=1)}
    citations: dict[str, tuple[int, ...]] = {}
    for spec in specs:
        unknown = [n for n in spec.notes if n not in numbers]
        if unknown:
            raise SpecError(
                f"{request_file}: table {spec.id}: notes: no note with id {', '.join(unknown)}"
            )
        pop = spec.population
        ids = [SOURCE_NOTE, f"unit_{spec.counting_unit}"]
        ids += [f"hk_{g}" for g in pop.how_known_groups + pop.how_known_codes]
        ids += [f"part_{p.label}" for p in part_periods(spec)]
        ids += [f"part_{j.part.label}" for d in spec.dimensions if (j := joined_period(d))]
        ids += [COUNTING_RULES_NOTE] if spec.id in spanning else []
        ids += list(spec.notes)
        ids += [disclosure_note.id] if disclosure_note else []
        citations[spec.id] = tuple(sorted({numbers[i] for i in ids}))
    return NotesPage(tuple(notes), citations)
