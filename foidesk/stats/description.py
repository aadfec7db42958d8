"""A table's description and title generated from its specification, so its words cannot
drift from what it counts.

A title written by hand can say "offences" where the table counts victim-suspect pairs, or
"2015 to 2024" where the data stop in May 2024. The description names the counting unit
first, then the offences, the relationship and the recorded dates the population keeps,
the dimensions in order (each with its heading, so "sex of victim" is never just "sex"),
and every part period:

    Victim-suspect pairs in harassment and stalking crimes where the victim-suspect
    relationship is former intimate partner, by calendar year, suspect sex and victim sex,
    2015 to 2024 (2024: 1 January to 31 May only)

A first part period joined to the whole period after it is said as such: "(29 December
2015 to 31 December 2016 as one period; 2024: 1 January to 31 May only)".
"""

from __future__ import annotations

from foidesk.stats.coverage import date_span, joined_period, long_date, part_periods
from foidesk.stats.specs import Dimension, TableSpec

_UNIT_PHRASES = {
    "crime": "{offences} crimes",
    "victim": "Victims of {offences} crimes",
    "suspect": "Suspects in {offences} crimes",
    "pair": "Victim-suspect pairs in {offences} crimes",
}


def _joined(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _offences(spec: TableSpec) -> str:
    population = spec.population
    names = sorted(g.lower() for g in population.offence_groups)
    names += [f"offence code {code}" for code in population.offence_codes]
    return _joined(names) if names else "all"


def _dimension(dim: Dimension) -> str:
    heading = dim.heading
    first = heading.split()[0] if heading.split() else heading
    # Mid-sentence, but an acronym ("CCB outcome") keeps its capitals.
    return heading if first.isupper() else heading[0].lower() + heading[1:]


def _period_range(spec: TableSpec) -> str:
    """'2015 to 2024' for a period dimension's range, or the population's recorded dates."""
    for dim in spec.dimensions:
        if dim.kind == "period" and dim.unit != "custom" and dim.start and dim.end:
            first, last = dim.start.year, dim.end.year
            return f", {first}" if first == last else f", {first} to {last}"
    recorded = spec.population.recorded
    if recorded.start and recorded.end:
        year = f" {recorded.end.year}" if recorded.start.year == recorded.end.year else ""
        return f", recorded {date_span(recorded.start, recorded.end)}{year}"
    if recorded.start:
        return f", recorded from {long_date(recorded.start)}"
    if recorded.end:
        return f", recorded up to {long_date(recorded.end)}"
    return ""


def table_name(table_id: str) -> str:
    """How a table is named to the reader: ``table_1`` is "Table 1"."""
    return table_id.replace("_", " ").strip().capitalize()


def table_title(spec: TableSpec) -> str:
    """A table's published title, "Table 1: Victim-suspect pairs in ...".

    The workbook's sheet, the manifest, the letter and the disclosure log all use it, so a
    table is described the same way everywhere and never by hand.
    """
    return f"{table_name(spec.id)}: {describe(spec)}"


def describe(spec: TableSpec) -> str:
    """The description of what ``spec`` counts, as a title's words (no table number)."""
    offences = _offences(spec)
    text = _UNIT_PHRASES[spec.counting_unit].format(offences=offences)
    if spec.counting_unit == "crime":
        text = text[0].upper() + text[1:]
    population = spec.population
    if population.domestic_abuse is True:
        text += " flagged as domestic abuse"
    elif population.domestic_abuse is False:
        text += " not flagged as domestic abuse"
    relationships = [g.lower() for g in population.how_known_groups]
    relationships += [f"how-known code {c}" for c in population.how_known_codes]
    if relationships:
        text += f" where the victim-suspect relationship is {_joined(relationships, 'or')}"
    if population.areas:
        text += f" in {_joined(list(population.areas), 'or')}"
    text += ", by " + _joined([_dimension(d) for d in spec.dimensions])
    text += _period_range(spec)
    said = [j.text for d in spec.dimensions if (j := joined_period(d)) is not None]
    said += [p.text for p in part_periods(spec)]
    if said:
        text += f" ({'; '.join(said)})"
    return text
