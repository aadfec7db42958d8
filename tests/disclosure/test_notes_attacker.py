"""The seed request on synthetic London at scale 1, against an attacker who reads the Notes.

The Notes say that zeros are published, so every [c] is at least 1, and counts are whole
numbers. The pattern chosen before the attacker knew that (kept in
``seed_pattern_margins_only.json``) passes the attacker who uses only the published
figures, and this attacker shows 15 of its small counts to be small. The pattern chosen
now passes, hides the least total value, and leaves the largest cell of Table 1 shown.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foidesk.answers.answer import read_request
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.stats.audit import LinkedCells, Requirement, audit
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.disclosure import DisclosureOutcome, DisclosurePolicy, protect
from foidesk.stats.linkage import link_tables
from foidesk.stats.specs import TableSpec
from foidesk.stats.suppression import primary_cells

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[1] / "examples" / "requests" / "01.FOI.24.035331.yaml"
BEFORE = json.loads((HERE / "seed_pattern_margins_only.json").read_text())["cells"]
JAN_APR = "table_1 | 1 January to 4 April 2023"
MAY_2024 = date(2024, 5, 31)


def as_chosen(spec: TableSpec) -> TableSpec:
    """The seed's table as it was when the earlier pattern was chosen: running to
    31 December 2024 (on data to that day), with 2015's three days of CCB a year of their
    own. The seed now stops at the demo's extraction date, 31 May 2024, and counts those
    days with 2016; the attacker and the pins here are about the December tables."""
    rows = tuple(
        replace(d, end=date(2024, 12, 31), join_first_part=False)
        if d.kind == "period" and d.end == MAY_2024
        else d
        for d in spec.rows
    )
    return replace(spec, rows=rows)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> LinkedCells:
    db = tmp_path_factory.mktemp("london") / "london.duckdb"
    generate(db, scale=1.0)
    with Store(db, read_only=True) as store:
        snapshot = store.snapshot()
        source = Source.from_store(store, snapshot)
        tables = [compute_table(as_chosen(spec), source) for spec in read_request(SEED).tables]
        frames = {t.id: unit_cells(t.spec, store, snapshot) for t in tables}
    return link_tables(tables, frames).cells


@pytest.fixture(scope="module")
def protected(seed: LinkedCells) -> DisclosureOutcome:
    return protect(seed)


def test_the_earlier_pattern_passed_the_margins_but_the_notes_expose_15(
    seed: LinkedCells,
) -> None:
    primaries = primary_cells(seed, 1, 4)
    assert len(primaries) == 41 and set(primaries) <= set(BEFORE)
    # The attacker of before: real numbers, every [c] free to be 0, must reach 0 and 5.
    margins = {p: Requirement(lower_at_most=0, upper_at_least=5) for p in primaries}
    assert audit(seed.audit_problem(BEFORE, margins), whole_numbers=False).passed

    requirement = DisclosurePolicy().requirement()
    assert (requirement.lower_at_most, requirement.upper_at_least) == (None, 5)
    notes = {p: requirement for p in primaries}
    result = audit(seed.audit_problem(BEFORE, notes, hidden_at_least=1))
    exposed = {i.cell: (i.low, i.high) for i in result.exposed}
    assert len(exposed) == 15 and set(exposed) <= set(primaries)
    assert all(low >= 1 and high <= 4 for low, high in exposed.values())
    assert sum(high <= 3 for _, high in exposed.values()) == 14
    # Table 1's grand total less its shown row totals leaves 6 for four [c] of at least 1
    # each: each is 1 to 3.
    for cell in ("Female | Male", "Female | Not recorded", "Not recorded | Female"):
        assert exposed[f"{JAN_APR} / {cell}"] == (1, 3)


def test_the_pattern_chosen_now_passes_the_notes_attacker(
    seed: LinkedCells, protected: DisclosureOutcome
) -> None:
    assert protected.passed and protected.suppression.status == "optimal"
    primaries = set(protected.suppression.primary)
    assert len(primaries) == 41
    for interval in protected.audit.intervals:
        assert interval.low >= 1  # every [c] is at least 1, and the attacker knows it
        assert interval.high is None or interval.high > interval.low  # none exact
        if interval.cell in primaries:
            assert interval.high is None or interval.high >= 5
    # Two-way links: the real-valued attacker finds the same intervals here.
    real = audit(protected.audit_problem, whole_numbers=False)
    assert [(i.low, i.high) for i in real.intervals] == [
        (i.low, i.high) for i in protected.audit.intervals
    ]
    assert not any(c.value == 0 for c in seed.cells if c.id in protected.suppressed)


def test_the_least_value_is_hidden_and_the_headline_cell_of_table_1_stays(
    seed: LinkedCells, protected: DisclosureOutcome
) -> None:
    values = {c.id: c.value for c in seed.cells}
    table_1 = [c for c in seed.cells if c.table == "table_1" and "Total" not in c.labels]
    largest = max((c for c in table_1 if c.id.startswith(JAN_APR)), key=lambda c: c.value)
    # Male suspect, female victim, January to April 2023.
    assert largest.id == f"{JAN_APR} / Male | Female" and largest.value > 300
    assert largest.id not in protected.suppressed
    assert largest.id in BEFORE  # the fewest-cells objective hid it
    assert max(table_1, key=lambda c: c.value).id not in protected.suppressed
    hidden_value = sum(values[c] for c in protected.suppression.secondary)
    assert protected.suppression.objective_kind == "value"
    assert protected.suppression.objective == hidden_value
    # The margins-only pattern hid more value, and protected less.
    before = sum(values[c] for c in BEFORE if c not in protected.suppression.primary)
    assert hidden_value < before


def test_ccb_in_2016_is_the_only_partner_2015_can_have_short_of_a_grand_total(
    seed: LinkedCells, protected: DisclosureOutcome
) -> None:
    """Table 3 counted CCB crimes per year: 2015 (three days in force) holds 4, a small
    count. With the total shown, 2015 can reach 5 only if another year can fall, so one
    other year is hidden whatever the objective; 2016 is the smallest. Keeping 2016 shown
    would take hiding a grand total (27,004) in Tables 3 and 5. This is why the seed now
    counts those three days with 2016 (test_seed_headlines.py)."""
    values = {c.id: c.value for c in seed.cells}
    years = {c.id: c.value for c in seed.cells if c.table == "table_3" and "Total" not in c.id}
    assert values["table_3 | 2015 | -"] == 4
    hidden_years = [y for y in years if y in protected.suppressed]
    assert hidden_years == ["table_3 | 2015 | -", "table_3 | 2016 | -"]
    assert values["table_3 | 2016 | -"] == min(v for y, v in years.items() if "2015" not in y)
    assert "table_3 | Total | -" not in protected.suppressed
