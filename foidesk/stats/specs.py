"""Table specifications: what a disclosure table counts, over which population, by what.

A specification is plain data: it is written in YAML under ``tables:`` in a request file
and parsed here into frozen dataclasses, or built directly in Python. Nothing here touches
the store; ``foidesk.stats.compiler`` turns a specification into a query. Every parse
error names the file, the table and the field, so a bad request file can be fixed in one go.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa
from pydantic import BeforeValidator, Field, StrictBool, model_validator

from foidesk.input_files import InputError, InputModel, did_you_mean, read_yaml, validate
from foidesk.records.schema import CRIMES

CountingUnit = Literal["crime", "victim", "suspect", "pair"]
COUNTING_UNITS: tuple[str, ...] = ("crime", "victim", "suspect", "pair")

# The label each counting unit is shown with in titles, notes and the workbook.
UNIT_LABELS: dict[str, str] = {
    "crime": "crimes (offences recorded)",
    "victim": "victims",
    "suspect": "suspects",
    "pair": "victim-suspect pairs",
}

# The columns that identify one counting unit, in the order unit_cells returns them.
UNIT_KEYS: dict[str, tuple[str, ...]] = {
    "crime": ("crime_id",),
    "victim": ("victim_id",),
    "suspect": ("suspect_id",),
    "pair": ("victim_id", "suspect_id"),
}

DimensionKind = Literal[
    "period", "victim_sex", "suspect_sex", "how_known", "outcome", "area", "offence", "force"
]
DIMENSION_KINDS: tuple[str, ...] = (
    "period",
    "victim_sex",
    "suspect_sex",
    "how_known",
    "outcome",
    "area",
    "offence",
    "force",
)

# Which counting units a dimension can classify. A crime can have several victims, so a
# crime count by victim sex would have no single cell per crime; such tables are refused.
DIMENSION_UNITS: dict[str, tuple[str, ...]] = {
    "period": COUNTING_UNITS,
    "outcome": COUNTING_UNITS,
    "area": COUNTING_UNITS,
    "offence": COUNTING_UNITS,
    "force": COUNTING_UNITS,
    "victim_sex": ("victim", "pair"),
    "suspect_sex": ("suspect", "pair"),
    "how_known": ("pair",),
}

PERIOD_UNITS: tuple[str, ...] = ("year", "financial_year", "quarter", "month", "custom")
DATE_BASES: tuple[str, ...] = ("recorded", "committed")
NOT_RECORDED = "Not recorded"
# Text columns of crimes a population can restrict by value (dates and the DA flag have
# their own keys).
TEXT_CRIME_FIELDS: tuple[str, ...] = tuple(c.name for c in CRIMES.columns if c.type == pa.string())


class SpecError(ValueError):
    """A table specification that cannot be used; the message names where and why."""


@dataclass(frozen=True)
class DateRange:
    """An inclusive date range; either end may be open."""

    start: date | None = None
    end: date | None = None

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class CustomPeriod:
    """One labelled date range of a custom period dimension (inclusive)."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class Population:
    """Which records a table counts. Empty tuples and None mean "no restriction".

    ``how_known_groups``/``how_known_codes`` restrict through victim-suspect pairs: a pair
    counts if it has the relationship; a crime, victim or suspect counts if at least one
    pair it is part of has it. ``crime_fields`` restricts any other text column of the
    crimes table to a list of values, as (column, values) pairs.
    """

    offence_groups: tuple[str, ...] = ()
    offence_codes: tuple[str, ...] = ()
    recorded: DateRange = field(default_factory=DateRange)
    committed: DateRange = field(default_factory=DateRange)
    domestic_abuse: bool | None = None
    how_known_groups: tuple[str, ...] = ()
    how_known_codes: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    crime_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Dimension:
    """One way of splitting the population into categories.

    ``level`` picks codes or groups for ``how_known``, ``outcome`` and ``offence``
    ("group" by default). ``period`` uses ``unit``, ``basis`` and either the range
    ``start``..``end`` (every period in it is listed, empty ones as 0) or ``custom``
    ranges; units outside the range are not in the table. ``join_first_part`` joins a
    first period cut short by ``start`` (an offence in force from 29 December) to the
    whole unit after it, as one period labelled with its dates.
    """

    kind: DimensionKind
    level: Literal["code", "group"] = "group"
    unit: str = "year"
    basis: str = "recorded"
    start: date | None = None
    end: date | None = None
    custom: tuple[CustomPeriod, ...] = ()
    label: str | None = None
    join_first_part: bool = False

    @property
    def heading(self) -> str:
        """The column heading this dimension's categories appear under."""
        if self.label:
            return self.label
        if self.kind == "period":
            names = {
                "year": "Calendar year",
                "financial_year": "Financial year (April to March)",
                "quarter": "Quarter",
                "month": "Month",
                "custom": "Period",
            }
            return names[self.unit]
        names = {
            "victim_sex": "Victim sex",
            "suspect_sex": "Suspect sex",
            "how_known": "How known",
            "outcome": "Outcome" if self.level == "code" else "Outcome group",
            "area": "Area",
            "force": "Police force",
            "offence": "Offence" if self.level == "code" else "Offence group",
        }
        return names[self.kind]


@dataclass(frozen=True)
class Totals:
    """Which totals a table shows: a Total column, a Total row, or both (the grand total)."""

    rows: bool = True
    columns: bool = True


@dataclass(frozen=True)
class TableSpec:
    """One disclosure table: its population, counting unit, dimensions and wording."""

    id: str
    title: str
    counting_unit: CountingUnit
    population: Population = field(default_factory=Population)
    rows: tuple[Dimension, ...] = ()
    columns: tuple[Dimension, ...] = ()
    totals: Totals = field(default_factory=Totals)
    subtitle: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return self.rows + self.columns

    def fingerprint(self) -> str:
        """SHA-256 of the specification's canonical JSON: changes whenever its meaning does."""
        text = json.dumps(asdict(self), sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def validate(self) -> TableSpec:
        """Raise ``SpecError`` if a dimension cannot classify this counting unit."""
        if self.counting_unit not in COUNTING_UNITS:
            raise SpecError(
                f"{self.id}: counting_unit {self.counting_unit!r} is not one of "
                f"{', '.join(COUNTING_UNITS)}"
            )
        if not self.dimensions:
            raise SpecError(f"{self.id}: a table needs at least one row or column dimension")
        kinds = [d.kind for d in self.dimensions]
        for kind in kinds:
            if kinds.count(kind) > 1:
                raise SpecError(f"{self.id}: dimension {kind!r} appears more than once")
            if self.counting_unit not in DIMENSION_UNITS[kind]:
                allowed = ", ".join(DIMENSION_UNITS[kind])
                raise SpecError(
                    f"{self.id}: dimension {kind!r} cannot classify {self.counting_unit} "
                    f"counts (one unit would fall in several cells); use counting_unit {allowed}"
                )
        return self


# -- the schema of a table specification --------------------------------------------------

# A name, or a list of names (codes such as 105A may be written bare, as numbers).
Names = str | list[str | int]


class DateRangeInput(InputModel):
    """``{from, to}``: inclusive, either end optional."""

    from_: date | None = Field(None, alias="from")
    to: date | None = None


class PopulationInput(InputModel):
    """``population:``: which records a table counts; every key optional."""

    offence_groups: Names | None = None
    offence_codes: Names | None = None
    recorded: DateRangeInput | None = None
    committed: DateRangeInput | None = None
    domestic_abuse: StrictBool | None = None
    how_known_groups: Names | None = None
    how_known_codes: Names | None = None
    areas: Names | None = None
    crime_fields: dict[Literal[TEXT_CRIME_FIELDS], Names] | None = None  # type: ignore[valid-type]


class CustomPeriodInput(InputModel):
    """One labelled range of a custom period dimension."""

    label: str
    from_: date = Field(alias="from")
    to: date


class PeriodInput(InputModel):
    """Options of a ``period`` dimension."""

    unit: Literal[PERIOD_UNITS] | None = None  # type: ignore[valid-type]
    basis: Literal[DATE_BASES] = "recorded"  # type: ignore[valid-type]
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    custom: list[CustomPeriodInput] | None = None
    label: str | None = None
    join_first_part: bool = False


class CategoryInput(InputModel):
    """Options of a dimension other than ``period``."""

    level: Literal["code", "group"] = "group"
    label: str | None = None


def _dimension_as_mapping(value: Any) -> Any:
    # A bare kind (`- suspect_sex`) is the kind with default options.
    return {value: None} if isinstance(value, str) else value


class DimensionInput(InputModel):
    """One dimension: exactly one of its kinds, with that kind's options."""

    period: PeriodInput | None = None
    victim_sex: CategoryInput | None = None
    suspect_sex: CategoryInput | None = None
    how_known: CategoryInput | None = None
    outcome: CategoryInput | None = None
    area: CategoryInput | None = None
    offence: CategoryInput | None = None
    force: CategoryInput | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> DimensionInput:
        if len(self.model_fields_set) != 1:
            raise ValueError(f"give exactly one dimension ({', '.join(DIMENSION_KINDS)})")
        return self


Dimensions = list[
    Annotated[
        DimensionInput,
        BeforeValidator(
            _dimension_as_mapping,
            json_schema_input_type=Literal[DIMENSION_KINDS] | DimensionInput,  # type: ignore[valid-type]
        ),
    ]
]


class TotalsInput(InputModel):
    """Which totals a table shows."""

    rows: StrictBool = True
    columns: StrictBool = True


class TableInput(InputModel):
    """One entry of ``tables:`` (docs/tables.md describes every key)."""

    id: str
    # A working name for the analyst, never published: every published title is described
    # from the specification (foidesk.stats.description).
    title: str | None = None
    subtitle: str | None = None
    counting_unit: Literal[COUNTING_UNITS]  # type: ignore[valid-type]
    population: PopulationInput | None = None
    rows: Dimensions = []
    columns: Dimensions = []
    totals: Annotated[
        TotalsInput,
        BeforeValidator(
            lambda v: {"rows": v, "columns": v} if isinstance(v, bool) else v,
            json_schema_input_type=bool | TotalsInput,
        ),
    ] = TotalsInput()
    notes: Names | None = None


# -- parsing ------------------------------------------------------------------------------


def _where(source: str, table_id: str, path: str) -> str:
    return f"{source}: table {table_id}: {path}"


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SpecError(f"{where}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return tuple(str(v) for v in value)
    raise SpecError(f"{where}: expected a name or a list of names, got {value!r}")


def _mapping(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected a mapping, got {value!r}")
    # Unknown keys were refused with a suggestion by the schema (TableInput).
    return value


def _date_range(value: Any, where: str) -> DateRange:
    data = _mapping(value, where, {"from", "to"})
    start, end = _date(data.get("from"), f"{where}.from"), _date(data.get("to"), f"{where}.to")
    if start and end and start > end:
        raise SpecError(f"{where}: from {start} is after to {end}")
    return DateRange(start, end)


def parse_population(value: Any, where: str) -> Population:
    """A ``population:`` mapping as a ``Population``."""
    allowed = {
        "offence_groups",
        "offence_codes",
        "recorded",
        "committed",
        "domestic_abuse",
        "how_known_groups",
        "how_known_codes",
        "areas",
        "crime_fields",
    }
    data = _mapping(value, where, allowed)
    fields = _mapping(data.get("crime_fields"), f"{where}.crime_fields", set(TEXT_CRIME_FIELDS))
    flag = data.get("domestic_abuse")
    if flag is not None and not isinstance(flag, bool):
        raise SpecError(f"{where}.domestic_abuse: expected true or false, got {flag!r}")
    return Population(
        offence_groups=_strings(data.get("offence_groups"), f"{where}.offence_groups"),
        offence_codes=_strings(data.get("offence_codes"), f"{where}.offence_codes"),
        recorded=_date_range(data.get("recorded"), f"{where}.recorded"),
        committed=_date_range(data.get("committed"), f"{where}.committed"),
        domestic_abuse=flag,
        how_known_groups=_strings(data.get("how_known_groups"), f"{where}.how_known_groups"),
        how_known_codes=_strings(data.get("how_known_codes"), f"{where}.how_known_codes"),
        areas=_strings(data.get("areas"), f"{where}.areas"),
        crime_fields=tuple(
            (name, _strings(values, f"{where}.crime_fields.{name}"))
            for name, values in sorted(fields.items())
        ),
    )


def parse_dimension(value: Any, where: str) -> Dimension:
    """A dimension: a bare kind (``victim_sex``) or a mapping (``{period: {...}}``)."""
    if isinstance(value, str):
        kind, options = value, {}
    elif isinstance(value, dict) and len(value) == 1:
        kind, options = next(iter(value.items()))
        options = options or {}
    else:
        raise SpecError(f"{where}: expected a dimension name or {{name: options}}, got {value!r}")
    if kind not in DIMENSION_KINDS:
        hint = did_you_mean(kind, DIMENSION_KINDS) or f" ({', '.join(DIMENSION_KINDS)})"
        raise SpecError(f"{where}: unknown dimension {kind!r}{hint}")
    where = f"{where}.{kind}"
    if kind == "period":
        data = _mapping(
            options, where, {"unit", "basis", "from", "to", "custom", "label", "join_first_part"}
        )
        custom = tuple(
            _custom_period(item, f"{where}.custom[{i}]")
            for i, item in enumerate(data.get("custom") or [])
        )
        unit = str(data.get("unit", "custom" if custom else "year"))
        basis = str(data.get("basis", "recorded"))
        if unit not in PERIOD_UNITS:
            raise SpecError(f"{where}.unit: {unit!r} is not one of {', '.join(PERIOD_UNITS)}")
        if basis not in DATE_BASES:
            raise SpecError(f"{where}.basis: {basis!r} is not one of {', '.join(DATE_BASES)}")
        start, end = _date(data.get("from"), f"{where}.from"), _date(data.get("to"), f"{where}.to")
        if unit == "custom" and not custom:
            raise SpecError(f"{where}: unit custom needs a list of custom ranges")
        if unit != "custom" and (start is None or end is None):
            raise SpecError(f"{where}: a {unit} period needs from and to, so empty periods show")
        if start and end and start > end:
            raise SpecError(f"{where}: from {start} is after to {end}")
        join = data.get("join_first_part", False)
        if not isinstance(join, bool):
            raise SpecError(f"{where}.join_first_part: expected true or false, not {join!r}")
        dim = Dimension(
            "period",
            unit=unit,
            basis=basis,
            start=start,
            end=end,
            custom=custom,
            label=data.get("label"),
            join_first_part=join,
        )
        if join:
            _check_joinable(dim, f"{where}.join_first_part")
        return dim
    data = _mapping(options, where, {"level", "label"})
    level = str(data.get("level", "group"))
    if level not in ("code", "group"):
        raise SpecError(f"{where}.level: {level!r} is not code or group")
    return Dimension(kind, level=level, label=data.get("label"))  # type: ignore[arg-type]


def unit_span(unit: str, day: date) -> tuple[date, date]:
    """The first and last day of the period of ``unit`` (not custom) that holds ``day``."""
    if unit == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if unit == "financial_year":
        first = day.year - (day.month < 4)
        return date(first, 4, 1), date(first + 1, 3, 31)
    month = day.month - 1
    length = 3 if unit == "quarter" else 1
    month -= month % length
    start = date(day.year, month + 1, 1)
    after = date(start.year + (month + length) // 12, (month + length) % 12 + 1, 1)
    return start, after - timedelta(days=1)


def _check_joinable(dim: Dimension, where: str) -> None:
    if dim.unit == "custom":
        raise SpecError(f"{where}: custom periods are listed as written; nothing to join")


def _custom_period(value: Any, where: str) -> CustomPeriod:
    data = _mapping(value, where, {"label", "from", "to"})
    missing = [k for k in ("label", "from", "to") if data.get(k) is None]
    if missing:
        raise SpecError(f"{where}: missing {', '.join(missing)}")
    start, end = _date(data["from"], f"{where}.from"), _date(data["to"], f"{where}.to")
    assert start is not None and end is not None
    if start > end:
        raise SpecError(f"{where}: from {start} is after to {end}")
    return CustomPeriod(str(data["label"]), start, end)


def parse_table(value: Any, source: str, index: int) -> TableSpec:
    """One entry of ``tables:`` as a validated ``TableSpec``."""
    if not isinstance(value, dict):
        raise SpecError(f"{source}: tables[{index}]: expected a mapping")
    table_id = str(value.get("id") or f"tables[{index}]")
    try:
        validate(TableInput, value, f"{source}: table {table_id}")
    except InputError as exc:
        raise SpecError(str(exc)) from None
    allowed = {
        "id",
        "title",
        "subtitle",
        "counting_unit",
        "population",
        "rows",
        "columns",
        "totals",
        "notes",
    }
    data = _mapping(value, f"{source}: table {table_id}", allowed)
    for key in ("id", "counting_unit"):
        if not data.get(key):
            raise SpecError(f"{_where(source, table_id, key)}: required")
    unit = data["counting_unit"]
    if unit not in COUNTING_UNITS:
        raise SpecError(
            f"{_where(source, table_id, 'counting_unit')}: {unit!r} is not one of "
            f"{', '.join(COUNTING_UNITS)}"
        )
    totals = data.get("totals", True)
    if isinstance(totals, bool):
        totals_spec = Totals(totals, totals)
    else:
        t = _mapping(totals, _where(source, table_id, "totals"), {"rows", "columns"})
        totals_spec = Totals(bool(t.get("rows", True)), bool(t.get("columns", True)))

    def dims(key: str) -> tuple[Dimension, ...]:
        items = data.get(key) or []
        if not isinstance(items, list):
            raise SpecError(f"{_where(source, table_id, key)}: expected a list of dimensions")
        return tuple(
            parse_dimension(item, _where(source, table_id, f"{key}[{i}]"))
            for i, item in enumerate(items)
        )

    spec = TableSpec(
        id=table_id,
        title=str(data.get("title") or ""),
        counting_unit=unit,
        population=parse_population(data.get("population"), _where(source, table_id, "population")),
        rows=dims("rows"),
        columns=dims("columns"),
        totals=totals_spec,
        subtitle=data.get("subtitle"),
        notes=_strings(data.get("notes"), _where(source, table_id, "notes")),
    )
    try:
        return spec.validate()
    except SpecError as exc:
        raise SpecError(f"{source}: {exc}") from None


def parse_tables(values: Any, source: str = "<tables>") -> list[TableSpec]:
    """Every entry of a ``tables:`` list; table ids must be unique."""
    if not isinstance(values, list) or not values:
        raise SpecError(f"{source}: tables: expected a non-empty list of tables")
    specs = [parse_table(v, source, i) for i, v in enumerate(values)]
    ids = [s.id for s in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SpecError(f"{source}: tables: duplicate id(s) {', '.join(duplicates)}")
    return specs


def load_tables(request_file: str | Path) -> list[TableSpec]:
    """The table specifications of a request file."""
    path = Path(request_file)
    try:
        data = read_yaml(path) or {}
    except InputError as exc:
        raise SpecError(str(exc)) from None
    return parse_tables(data.get("tables"), str(path))
