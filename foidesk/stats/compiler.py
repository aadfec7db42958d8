"""The statistics engine: compile a table specification into one Ibis query on the store.

Each counting unit in the table's population is one row, carrying the key columns of
every dimension (a year, a sex code, an outcome code); each dimension also has a rule
that turns its keys into the category label. ``unit_frame`` applies the rules to every
unit; ``compile_counts`` groups by the keys first and labels only the aggregated rows.
Both are Ibis expressions, so the same specification runs on DuckDB (the store),
PostgreSQL or any other Ibis backend that holds the canonical tables. Category lists and
code-to-label mappings come from the snapshot's own reference tables (read once, then
compiled to IN and CASE over codes), so a specification written for Home Office codes
runs unchanged on any scheme that maps its codes to the same groups. Zero-filling and
totals happen on the aggregated counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from foidesk.input_files import did_you_mean
from foidesk.records.store import Snapshot, Store, default_force
from foidesk.stats.coverage import joined_period
from foidesk.stats.specs import (
    NOT_RECORDED,
    UNIT_KEYS,
    Dimension,
    Population,
    SpecError,
    TableSpec,
)
from foidesk.stats.table import ComputedTable

NOT_CLASSIFIED = "Not classified"
CRIME_DIMENSIONS: tuple[str, ...] = ("period", "outcome", "area", "offence", "force")
COUNT = "n"
SOURCE_TABLES: tuple[str, ...] = (
    "crimes",
    "victims",
    "suspects",
    "relationships",
    "outcomes",
    "offence_classification",
    "how_known_codes",
    "outcome_types",
    "sexes",
)


@dataclass(frozen=True)
class Source:
    """The canonical tables of one snapshot as Ibis tables, on whichever backend holds them."""

    tables: Mapping[str, ir.Table]
    _fetched: dict[str, pa.Table] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]

    def fetch(self, name: str) -> pa.Table:
        """A small table (reference data) as Arrow, read once per source."""
        if name not in self._fetched:
            self._fetched[name] = self.tables[name].to_pyarrow()
        return self._fetched[name]

    @classmethod
    def from_store(cls, store: Store, snapshot: Snapshot | None = None) -> Source:
        """The snapshot's tables in the store's own DuckDB connection (no copy)."""
        snap = snapshot or store.snapshot()
        con = ibis.duckdb.from_connection(store.con)
        tables = {n: con.table(n, database=snap.schema) for n in SOURCE_TABLES}
        crimes = tables["crimes"]
        if "force" not in crimes.columns:
            # Snapshots written before crimes had a force column: one force throughout,
            # the one their provenance names, else the settings' (or not recorded).
            force = ibis.literal(snap.provenance.get("force") or default_force(), "string")
            tables["crimes"] = crimes.mutate(force=force)
        return cls(tables)

    @classmethod
    def from_backend(cls, con: ibis.BaseBackend, database: str | None = None) -> Source:
        """Canonical tables that another Ibis backend holds (e.g. PostgreSQL), by name."""
        return cls({n: con.table(n, database=database) for n in SOURCE_TABLES})


# -- categories ---------------------------------------------------------------------------


def _ordered_unique(values: list[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v is not None))


def period_categories(dim: Dimension) -> list[str]:
    """Every period label in the dimension's range, oldest first."""
    if dim.unit == "custom":
        labels = [c.label for c in dim.custom]
    else:
        assert dim.start is not None and dim.end is not None
        first, last = dim.start, dim.end
        if dim.unit == "year":
            labels = [str(y) for y in range(first.year, last.year + 1)]
        elif dim.unit == "financial_year":
            start_fy = first.year - (first.month < 4)
            end_fy = last.year - (last.month < 4)
            labels = [f"{y}-{(y + 1) % 100:02d}" for y in range(start_fy, end_fy + 1)]
        elif dim.unit == "quarter":
            months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
            labels = _ordered_unique([f"{m // 12} Q{(m % 12) // 3 + 1}" for m in months])
        else:
            months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
            labels = [f"{m // 12}-{m % 12 + 1:02d}" for m in months]
        joined = joined_period(dim)
        if joined is not None:
            # The part period and the whole one after it are one category.
            labels = [joined.label, *labels[2:]]
    if dim.basis == "committed":
        labels.append(NOT_RECORDED)
    return labels


def categories(dim: Dimension, source: Source) -> list[str]:
    """Every category of ``dim`` in reference order; each appears in the table, 0 or not."""
    if dim.kind == "period":
        return period_categories(dim)
    if dim.kind in ("victim_sex", "suspect_sex"):
        sexes = source.fetch("sexes").to_pylist()
        return _ordered_unique([r["label"] for r in sexes] + [NOT_RECORDED])
    if dim.kind == "how_known":
        rows = source.fetch("how_known_codes").to_pylist()
        if dim.level == "group":
            return _ordered_unique([r["how_known_group"] for r in rows])
        return _ordered_unique([_how_known_label_text(r["code"], r["description"]) for r in rows])
    if dim.kind == "outcome":
        rows = source.fetch("outcome_types").to_pylist()
        if dim.level == "group":
            return _ordered_unique([r["outcome_group"] for r in rows])
        return _ordered_unique([_outcome_label_name(r["code"], r["name"]) for r in rows])
    if dim.kind == "offence":
        rows = source.fetch("offence_classification").to_pylist()
        if dim.level == "group":
            labels = [r["offence_group"] for r in rows]
        else:
            labels = [_offence_label(r["code"], r["name"]) for r in rows]
        return _ordered_unique([*labels, NOT_CLASSIFIED])
    # Areas and forces are not reference data: every one any crime in the snapshot has is
    # listed.
    crimes = source["crimes"]
    column = crimes[dim.kind]
    values = crimes.select(column).distinct().order_by(column).to_pyarrow()
    return _ordered_unique([*values[dim.kind].to_pylist(), NOT_RECORDED])


def _how_known_label_text(code: str, description: str) -> str:
    return f"{description} ({code})"


def _outcome_label_name(code: str | None, name: str) -> str:
    return name if code is None else f"{code}: {name}"


def _offence_label(code: str, name: str) -> str:
    return f"{code}: {name}"


# -- the population -----------------------------------------------------------------------


def _date_filter(column: ir.DateValue, start: date | None, end: date | None) -> list:
    preds = []
    if start is not None:
        preds.append(column >= ibis.date(start))
    if end is not None:
        preds.append(column <= ibis.date(end))
    return preds


def _by_scheme(rows: list[dict], keep) -> dict[str, list[str]]:
    """Codes of the reference ``rows`` that ``keep`` selects, grouped by scheme."""
    out: dict[str, list[str]] = {}
    for row in rows:
        if keep(row):
            out.setdefault(row["scheme"], []).append(row["code"])
    return out


def _in_codes(
    scheme: ir.StringValue, code: ir.StringValue, by_scheme: dict[str, list[str]]
) -> ir.BooleanValue:
    terms = [(scheme == s) & code.isin(codes) for s, codes in sorted(by_scheme.items())]
    return ibis.or_(*terms) if terms else ibis.literal(False)


def _labelled(
    scheme: ir.StringValue,
    code: ir.StringValue,
    rows: list[dict],
    label,
    otherwise: str | ir.StringValue,
) -> ir.StringValue:
    """A label for each (scheme, code) from reference ``rows``; ``otherwise`` if unlisted.

    Reference lists are small and read once, so labels and group filters compile to
    CASE and IN over codes: the big tables are never joined to the reference tables.
    """
    labels: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        labels.setdefault(label(row), {}).setdefault(row["scheme"], []).append(row["code"])
    branches = [(_in_codes(scheme, code, schemes), text) for text, schemes in labels.items()]
    if not branches:
        return ibis.literal(otherwise) if isinstance(otherwise, str) else otherwise
    return ibis.cases(*branches, else_=otherwise)


def _population_crimes(pop: Population, source: Source) -> ir.Table:
    """Crimes meeting every crime-level condition."""
    crimes = source["crimes"]
    preds = _date_filter(crimes.recorded_date, pop.recorded.start, pop.recorded.end)
    preds += _date_filter(crimes.committed_from, pop.committed.start, pop.committed.end)
    if pop.offence_groups or pop.offence_codes:
        either = []
        if pop.offence_groups:
            groups = set(pop.offence_groups)
            codes = _by_scheme(
                source.fetch("offence_classification").to_pylist(),
                lambda r: r["offence_group"] in groups,
            )
            either.append(_in_codes(crimes.offence_scheme, crimes.offence_code, codes))
        if pop.offence_codes:
            either.append(crimes.offence_code.isin(list(pop.offence_codes)))
        preds.append(ibis.or_(*either))
    if pop.domestic_abuse is not None:
        preds.append(crimes.domestic_abuse == pop.domestic_abuse)
    if pop.areas:
        preds.append(crimes.area.isin(list(pop.areas)))
    for name, values in pop.crime_fields:
        preds.append(crimes[name].isin(list(values)))
    return crimes.filter(*preds) if preds else crimes


def _related_pairs(pop: Population, source: Source) -> ir.Table | None:
    """The pairs with a how-known code the population names, or None if it names none."""
    if not (pop.how_known_groups or pop.how_known_codes):
        return None
    pairs = source["relationships"]
    either = []
    if pop.how_known_groups:
        groups = set(pop.how_known_groups)
        codes = _by_scheme(
            source.fetch("how_known_codes").to_pylist(), lambda r: r["how_known_group"] in groups
        )
        either.append(_in_codes(pairs.how_known_scheme, pairs.how_known, codes))
    if pop.how_known_codes:
        either.append(pairs.how_known.isin(list(pop.how_known_codes)))
    return pairs.filter(ibis.or_(*either))


# -- dimension labels ---------------------------------------------------------------------


def _period_bounds(dim: Dimension) -> tuple[date | None, date | None]:
    """The first and last day any of the dimension's periods can hold (None: unbounded)."""
    if dim.unit != "custom":
        return dim.start, dim.end
    starts = [c.start for c in dim.custom]
    ends = [c.end for c in dim.custom]
    return (
        None if None in starts else min(starts),
        None if None in ends else max(ends),
    )


# A dimension is compiled in two parts: key columns, cheap values taken straight from the
# records (a year as a number, a sex or outcome code), and a label rule that turns those
# columns into the category label. Counting groups by the keys and labels the few
# aggregated rows, so no per-unit string work is done on millions of rows; listing units
# applies the same rule to every unit. Either way the labels come from one rule.
Label = Callable[[ir.Table], ir.Value]


def _period_day(dim: Dimension, crimes: ir.Table) -> ir.DateValue:
    """The date a period dimension sorts crimes by: recorded, or committed (from)."""
    return crimes.recorded_date if dim.basis == "recorded" else crimes.committed_from


def _period_key(dim: Dimension, crimes: ir.Table) -> tuple[ir.Value, Label]:
    day = _period_day(dim, crimes)
    if dim.unit == "custom":
        branches = [
            ((day >= ibis.date(c.start)) & (day <= ibis.date(c.end)), c.label) for c in dim.custom
        ]
        key = ibis.cases(*branches, else_=ibis.null("string"))
        if dim.basis == "committed":
            key = ibis.cases((day.isnull(), NOT_RECORDED), else_=key)
        return key, lambda t: t.period
    year = day.year()
    if dim.unit == "year":
        key = year

        def label(t: ir.Table) -> ir.StringValue:
            return t.period.cast("string")
    elif dim.unit == "financial_year":
        key = year - (day.month() < 4).cast("int32")

        def label(t: ir.Table) -> ir.StringValue:
            return (
                t.period.cast("string") + "-" + ((t.period + 1) % 100).cast("string").lpad(2, "0")
            )
    elif dim.unit == "quarter":
        key = year * 10 + day.quarter()

        def label(t: ir.Table) -> ir.StringValue:
            return (t.period // 10).cast("string") + " Q" + (t.period % 10).cast("string")
    else:
        key = year * 100 + day.month()

        def label(t: ir.Table) -> ir.StringValue:
            return (
                (t.period // 100).cast("string")
                + "-"
                + (t.period % 100).cast("string").lpad(2, "0")
            )

    joined = joined_period(dim)
    if joined is not None:
        # The first part counts under the whole period after it, with the joined label.
        assert dim.start is not None
        whole = _unit_key(dim.unit, joined.part.end + timedelta(days=1))
        key = ibis.cases((day <= ibis.date(joined.part.end), whole), else_=key)
        unit_label = label

        def joined_label(t: ir.Table) -> ir.StringValue:
            return ibis.cases((t.period == whole, joined.label), else_=unit_label(t))

        label = joined_label

    if dim.basis == "committed":
        return key, lambda t: ibis.cases((t.period.isnull(), NOT_RECORDED), else_=label(t))
    return key, label


def _unit_key(unit: str, day: date) -> int:
    """The key ``_period_key`` gives a day of ``unit`` (not custom), worked out in Python."""
    if unit == "year":
        return day.year
    if unit == "financial_year":
        return day.year - (day.month < 4)
    if unit == "quarter":
        return day.year * 10 + (day.month - 1) // 3 + 1
    return day.year * 100 + day.month


def _period_filter(dim: Dimension, crimes: ir.Table) -> ir.BooleanValue | None:
    """The crimes some period of ``dim`` can hold (None: every crime)."""
    day = _period_day(dim, crimes)
    inside = _date_filter(day, *_period_bounds(dim))
    if not inside:
        return None
    if dim.basis == "committed":
        # A crime with no committed date is counted as "Not recorded", not dropped.
        return day.isnull() | ibis.and_(*inside)
    return ibis.and_(*inside)


def _outcome_label(dim: Dimension, code: ir.StringValue, source: Source) -> ir.StringValue:
    rows = source.fetch("outcome_types").to_pylist()
    none_yet = [r for r in rows if r["code"] is None]
    text = "outcome_group" if dim.level == "group" else "name"
    # A null code, or no outcome row at all, is the reference's "not yet assigned" row.
    none_label = none_yet[0][text] if none_yet else NOT_RECORDED
    labels: dict[str, list[str]] = {}
    for row in rows:
        if row["code"] is not None:
            label = (
                row[text] if dim.level == "group" else _outcome_label_name(row["code"], row["name"])
            )
            labels.setdefault(label, []).append(row["code"])
    # An outcome code missing from the reference keeps its code as its label, so the
    # table refuses it by name instead of counting it somewhere wrong.
    return ibis.cases(
        (code.isnull(), none_label),
        *((code.isin(codes), label) for label, codes in labels.items()),
        else_=code,
    )


def _crime_keys(spec: TableSpec, crimes: ir.Table, source: Source) -> tuple[ir.Table, dict]:
    """``crime_id`` plus the key columns of each crime-level dimension, and their labels."""
    wanted = {d.kind: d for d in spec.dimensions if d.kind in CRIME_DIMENSIONS}
    keys: dict[str, ir.Value] = {}
    labels: dict[str, Label] = {}
    period = wanted.get("period")
    if period is not None:
        # Stating the periods' outer bounds as a plain range lets the engine skip whole
        # blocks of crimes, before any join multiplies them into people or pairs.
        inside = _period_filter(period, crimes)
        if inside is not None:
            crimes = crimes.filter(inside)
    if "outcome" in wanted:
        outcomes = source["outcomes"].select(o_crime_id="crime_id", outcome_code="outcome_code")
        crimes = crimes.left_join(outcomes, crimes.crime_id == outcomes.o_crime_id)
        keys["outcome_code"] = crimes.outcome_code
        dim = wanted["outcome"]
        labels["outcome"] = lambda t: _outcome_label(dim, t.outcome_code, source)
    if period is not None:
        keys["period"], labels["period"] = _period_key(period, crimes)
    for kind in ("area", "force"):
        if kind in wanted:
            keys[kind] = crimes[kind]
            labels[kind] = lambda t, kind=kind: t[kind].fill_null(NOT_RECORDED)
    if "offence" in wanted:
        rows = source.fetch("offence_classification").to_pylist()
        if wanted["offence"].level == "group":
            text = lambda r: r["offence_group"]  # noqa: E731
        else:
            text = lambda r: _offence_label(r["code"], r["name"])  # noqa: E731
        keys["offence_scheme"] = crimes.offence_scheme
        keys["offence_code"] = crimes.offence_code
        labels["offence"] = lambda t: _labelled(
            t.offence_scheme, t.offence_code, rows, text, NOT_CLASSIFIED
        )
    keyed = crimes.select(crime_id=crimes.crime_id, **keys)
    if period is not None and period.unit == "custom" and _has_gaps(period):
        keyed = keyed.filter(keyed.period.notnull())
    return keyed, labels


def _has_gaps(dim: Dimension) -> bool:
    """Whether a day inside custom periods' outer bounds can fall in none of them.

    Only then must each crime's period be tested; otherwise the plain range filter is
    exact, and the engine can prune on it.
    """
    spans = sorted((c.start, c.end) for c in dim.custom)
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach + timedelta(days=1):
            return True
        reach = max(reach, end)
    return False


def _sex_label(sex: ir.StringValue, source: Source) -> ir.StringValue:
    labels: dict[str, list[str]] = {}
    for row in source.fetch("sexes").to_pylist():
        labels.setdefault(row["label"], []).append(row["code"])
    # A code missing from the reference list is shown as not recorded rather than lost.
    return ibis.cases(*((sex.isin(c), label) for label, c in labels.items()), else_=NOT_RECORDED)


def _how_known_label(dim: Dimension, t: ir.Table, source: Source) -> ir.StringValue:
    rows = source.fetch("how_known_codes").to_pylist()
    if dim.level == "group":
        label = lambda r: r["how_known_group"]  # noqa: E731
    else:
        label = lambda r: _how_known_label_text(r["code"], r["description"])  # noqa: E731
    # An unlisted code keeps the code as its label, so the table refuses it by name.
    return _labelled(t.how_known_scheme, t.how_known, rows, label, t.how_known)


def _unit_keys(spec: TableSpec, source: Source) -> tuple[ir.Table, dict[str, Label]]:
    """One row per counting unit in ``spec``'s population: its key columns, then the key
    columns of every dimension; and, per dimension kind, the rule that labels them."""
    spec.validate()
    pop = spec.population
    related = _related_pairs(pop, source)
    unit = spec.counting_unit
    kinds = [d.kind for d in spec.dimensions]

    crimes = _population_crimes(pop, source)
    if unit == "crime" and related is not None:
        crimes = crimes.semi_join(related, "crime_id")
    crimes, labels = _crime_keys(spec, crimes, source)
    if unit == "crime":
        return crimes, labels

    # The people side is one chain of joins and then one select: a column computed
    # between two joins would nest a subquery for every join.
    if unit == "pair":
        base = related if related is not None else source["relationships"]
        columns = ["victim_id", "suspect_id", "crime_id"]
        if "how_known" in kinds:
            columns += ["how_known_scheme", "how_known"]
            dim = next(d for d in spec.dimensions if d.kind == "how_known")
            labels["how_known"] = lambda t: _how_known_label(dim, t, source)
        chain = base.select(*columns).inner_join(crimes, "crime_id")
        for role in ("victim", "suspect"):
            if f"{role}_sex" in kinds:
                code = f"{role}_sex_code"
                people = source[f"{role}s"].select(**{f"{role}_id": f"{role}_id", code: "sex"})
                chain = chain.inner_join(people, f"{role}_id")
    else:
        key = f"{unit}_id"
        people = source[f"{unit}s"]
        if related is not None:
            people = people.semi_join(related, key)
        people = people.select(key, "crime_id", **{f"{unit}_sex_code": "sex"})
        chain = people.inner_join(crimes, "crime_id")
    for role in ("victim", "suspect"):
        if f"{role}_sex" in kinds:
            code = f"{role}_sex_code"
            labels[f"{role}_sex"] = lambda t, code=code: _sex_label(t[code], source)
    drop = {"crime_id"} - set(UNIT_KEYS[unit])
    return chain.select(*(c for c in chain.columns if c not in drop)), labels


def unit_frame(spec: TableSpec, source: Source) -> ir.Table:
    """One row per counting unit in ``spec``'s population: its key columns, then one column
    per dimension (named by the dimension's kind) holding the category it falls in."""
    keyed, labels = _unit_keys(spec, source)
    kinds = [d.kind for d in spec.dimensions]
    return keyed.select(*UNIT_KEYS[spec.counting_unit], **{k: labels[k](keyed) for k in kinds})


def compile_counts(spec: TableSpec, source: Source) -> ir.Table:
    """The specification as an aggregate query: one row per non-empty interior cell."""
    keyed, labels = _unit_keys(spec, source)
    kinds = [d.kind for d in spec.dimensions]
    keys = [c for c in keyed.columns if c not in UNIT_KEYS[spec.counting_unit]]
    by_key = keyed.group_by(keys).aggregate(**{COUNT: keyed.count()})
    # Several keys can share a label (an unlisted sex code and "U" are both not recorded).
    labelled = by_key.select(**{k: labels[k](by_key) for k in kinds}, **{COUNT: by_key[COUNT]})
    return labelled.group_by(kinds).aggregate(**{COUNT: labelled[COUNT].sum()})


def check_population(spec: TableSpec, source: Source) -> None:
    """Refuse a population naming a value the snapshot does not hold.

    A misspelt offence group or an unknown code would otherwise select nothing and give a
    complete, publishable table of zeros. ``SpecError`` names the table, the field, the
    value and the nearest valid values.
    """
    pop = spec.population
    offences = source.fetch("offence_classification")
    how_known = source.fetch("how_known_codes")
    checks = [
        ("offence_groups", pop.offence_groups, lambda: offences["offence_group"].to_pylist()),
        ("offence_codes", pop.offence_codes, lambda: offences["code"].to_pylist()),
        (
            "how_known_groups",
            pop.how_known_groups,
            lambda: how_known["how_known_group"].to_pylist(),
        ),
        ("how_known_codes", pop.how_known_codes, lambda: how_known["code"].to_pylist()),
        ("areas", pop.areas, lambda: categories(Dimension("area"), source)[:-1]),
    ]
    for name, wanted, valid in checks:
        if not wanted:
            continue
        known = _ordered_unique(valid())
        for value in wanted:
            if value not in known:
                hint = did_you_mean(value, known)
                if not hint:
                    hint = f" (known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
                raise SpecError(
                    f"table {spec.id}: population.{name}: {value!r} is not in the snapshot's "
                    f"reference data{hint}"
                )


def compute_table(spec: TableSpec, source: Source) -> ComputedTable:
    """Run ``spec`` and return the full table: every category listed, zeros filled."""
    check_population(spec, source)
    counts = compile_counts(spec, source).to_pyarrow()
    cats = {d.kind: categories(d, source) for d in spec.dimensions}
    return ComputedTable.from_counts(spec, counts, cats, count_column=COUNT)


def compute_tables(
    specs: list[TableSpec], store: Store, snapshot: Snapshot | None = None
) -> list[ComputedTable]:
    """Every specification on one snapshot of the store."""
    source = Source.from_store(store, snapshot)
    return [compute_table(spec, source) for spec in specs]


def unit_cells(spec: TableSpec, store: Store, snapshot: Snapshot | None = None) -> pa.Table:
    """The counting units of ``spec``'s population and the interior cell each falls in.

    One row per unit: its key columns (``crime_id``; ``victim_id``; ``suspect_id``; or
    ``victim_id, suspect_id`` for pairs), then one column per dimension, named by the
    dimension's kind, holding the category label of the cell. Grouping these rows by the
    dimension columns gives exactly the table's interior counts.
    """
    frame = unit_frame(spec, Source.from_store(store, snapshot))
    return frame.order_by(list(UNIT_KEYS[spec.counting_unit])).to_pyarrow()
