"""The dates a table covers: no later than its data, and every part period said plainly.

A table cannot count crimes recorded after the data were extracted, nor after the day the
response goes out; a table whose period runs past either would claim figures that do not
exist yet. A period dimension whose first or last period is cut short (a year from
29 December, a year to 31 May) shows a part period, which the workbook flags in the
table's title and on the Notes page; a first part joined to the period after it
(``join_first_part``) is said there as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from foidesk.stats.specs import Dimension, SpecError, TableSpec, unit_span


@dataclass(frozen=True)
class PartPeriod:
    """A period of a table's period dimension that covers only ``start`` to ``end``."""

    label: str
    start: date
    end: date

    @property
    def text(self) -> str:
        """'2024: 1 January to 31 May only'."""
        return f"{self.label}: {date_span(self.start, self.end)} only"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def date_span(start: date, end: date) -> str:
    """'1 January to 31 May' within one year, '1 January 2023 to 31 May 2024' across."""
    if start.year != end.year:
        return f"{long_date(start)} to {long_date(end)}"
    if start.month == end.month:
        return f"{start.day} to {end.day} {end:%B}"
    return f"{start.day} {start:%B} to {end.day} {end:%B}"


def period_label(unit: str, day: date) -> str:
    """The label of the period of ``unit`` (not custom) that holds ``day``: '2015'."""
    if unit == "year":
        return str(day.year)
    if unit == "financial_year":
        first = day.year - (day.month < 4)
        return f"{first}-{(first + 1) % 100:02d}"
    if unit == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def _bucket(unit: str, day: date) -> tuple[date, date, str]:
    """The period of ``unit`` holding ``day``: its first and last day and its label."""
    start, end = unit_span(unit, day)
    return start, end, period_label(unit, day)


@dataclass(frozen=True)
class JoinedPeriod:
    """A first period cut short (``part``) joined to the whole period after it."""

    part: PartPeriod
    whole_label: str
    end: date

    @property
    def label(self) -> str:
        """The joined period's label: '29 December 2015 to 31 December 2016'."""
        span = date_span(self.part.start, self.end)
        return span if self.part.start.year != self.end.year else f"{span} {self.end.year}"

    @property
    def text(self) -> str:
        """'29 December 2015 to 31 December 2016 as one period'."""
        return f"{self.label} as one period"


def joined_period(dim: Dimension) -> JoinedPeriod | None:
    """The dimension's first period when ``join_first_part`` joins it to the next: only
    when it is cut short and a period follows it (otherwise there is nothing to join)."""
    if dim.kind != "period" or not dim.join_first_part or dim.unit == "custom":
        return None
    assert dim.start is not None and dim.end is not None
    first_start, first_end, first_label = _bucket(dim.unit, dim.start)
    if dim.start == first_start or dim.end <= first_end:
        return None
    after = first_end + timedelta(days=1)
    _, whole_end, whole_label = _bucket(dim.unit, after)
    part = PartPeriod(first_label, dim.start, first_end)
    return JoinedPeriod(part, whole_label, min(whole_end, dim.end))


def part_periods(spec: TableSpec) -> list[PartPeriod]:
    """The first and last periods of ``spec``'s period dimensions that are cut short."""
    found: list[PartPeriod] = []
    for dim in spec.dimensions:
        if dim.kind != "period" or dim.unit == "custom" or dim.start is None or dim.end is None:
            continue
        first_start, first_end, first_label = _bucket(dim.unit, dim.start)
        last_start, last_end, last_label = _bucket(dim.unit, dim.end)
        if first_label == last_label:
            if (dim.start, dim.end) != (first_start, first_end):
                found.append(PartPeriod(first_label, dim.start, dim.end))
            continue
        # A joined first part is no period of its own: joined_period says what it is.
        joined = joined_period(dim)
        if dim.start != first_start and joined is None:
            found.append(PartPeriod(first_label, dim.start, first_end))
        if joined is not None and joined.end == dim.end:
            continue  # the joined period is the last: it ends where the data asked
        if dim.end != last_end:
            found.append(PartPeriod(last_label, last_start, dim.end))
    return found


def _last_days(spec: TableSpec) -> list[tuple[str, date]]:
    """(field, last day) for every recorded-date bound the specification sets."""
    ends: list[tuple[str, date]] = []
    if spec.population.recorded.end is not None:
        ends.append(("population.recorded.to", spec.population.recorded.end))
    for place, dims in (("rows", spec.rows), ("columns", spec.columns)):
        for dim in dims:
            ends.extend((f"{place}: period", day) for day in _period_ends(dim))
    return ends


def _period_ends(dim: Dimension) -> list[date]:
    if dim.kind != "period":
        return []
    if dim.unit == "custom":
        return [c.end for c in dim.custom]
    return [dim.end] if dim.end is not None else []


def check_coverage(
    specs: list[TableSpec], source: str, *, extracted: date, responded: date | None = None
) -> None:
    """Raise ``SpecError`` if a table's dates run past the extraction or response date."""
    limits = [(extracted, "the data were extracted")]
    if responded is not None:
        limits.append((responded, "the response date"))
    for spec in specs:
        for field, day in _last_days(spec):
            for limit, what in limits:
                if day > limit:
                    raise SpecError(
                        f"{source}: table {spec.id}: {field} runs to {long_date(day)}, after "
                        f"{what} ({long_date(limit)}); end it on or before {long_date(limit)}"
                    )


def recorded_span(spec: TableSpec) -> tuple[date | None, date | None]:
    """The first and last recorded dates ``spec`` can count (None: not bounded there).

    The population's recorded dates and every recorded-basis period dimension narrow it.
    """
    starts: list[date] = []
    ends: list[date] = []
    recorded = spec.population.recorded
    starts += [recorded.start] if recorded.start else []
    ends += [recorded.end] if recorded.end else []
    for dim in spec.dimensions:
        if dim.kind != "period" or dim.basis != "recorded":
            continue
        if dim.unit == "custom":
            starts.append(min(c.start for c in dim.custom))
            ends.append(max(c.end for c in dim.custom))
        else:
            starts += [dim.start] if dim.start else []
            ends += [dim.end] if dim.end else []
    return (max(starts) if starts else None, min(ends) if ends else None)


def spans(spec: TableSpec, day: date) -> bool:
    """Whether ``spec`` counts crimes recorded both before and on or after ``day``."""
    start, end = recorded_span(spec)
    return (start is None or start < day) and (end is None or end >= day)
